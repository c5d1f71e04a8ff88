"""The publication page once published (AppTest): who of the retained has confirmed (a typed
table, counts, the deadline), the lead moving the deadline (refused in the past or after the
edition, next to the field), and the one-click promotion a decline proposes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from core.clock import paris_to_utc, to_paris
from core.selection import answers, confirmation
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Call, Candidacy, Deliberation
from tests.pages.conftest import ROOM_AT_1400, by_label, no_exception, red, shown_widths, texts
from tests.pages.test_pilotage_publication import PAGE, published_page, scene  # noqa: F401 — the fixture
from ui.forms import escape_md


def answer(candidacy_id: int, *, declined: bool, reason: str | None = None) -> None:
    """The structure answers through its personal link."""
    with unit_of_work() as session:
        url = confirmation.issue_confirmation_link(session, candidacy_id=candidacy_id, now=datetime.now(UTC),
                                                   expires_at=datetime.now(UTC) + timedelta(days=5))
    token = url.rsplit("/", 1)[-1]
    with unit_of_work() as session:
        if declined:
            answers.decline(session, token=token, reason=reason, ip_address=None)
        else:
            answers.confirm(session, token=token, ip_address=None)


def deadline(call_id: int) -> datetime:
    with read_only() as session:
        return session.get(Call, call_id).confirm_by


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def answers_table(at):
    [table] = [d.value for d in at.dataframe if "Statut de confirmation" in d.value.columns]
    return table


@pytest.fixture
def answered(scene):  # noqa: F811 — the fixture imported above
    at = published_page(scene)
    answer(scene["ids"]["Alpha"], declined=False)
    answer(scene["ids"]["Bravo"], declined=True, reason="Indisponibles ce jour-là")
    at.run()
    no_exception(at)
    return at


def test_the_lead_sees_who_has_confirmed_with_counts_and_the_deadline(scene, answered):  # noqa: F811
    table = answers_table(answered)
    assert table["Structure"].tolist() == ["Alpha", "Bravo"]
    assert table["Statut de confirmation"].tolist() == ["Confirmée", "Déclinée"]
    assert table["Motif du refus"].tolist()[1] == "Indisponibles ce jour-là" and table["Motif du refus"].isna()[0]
    assert str(table["Répondu le"].dtype) == "datetime64[ns, Europe/Paris]" and table["Répondu le"].notna().all()
    shown = metrics(answered)
    assert (shown["Confirmées"], shown["Sans réponse"], shown["Déclinées"]) == ("1", "0", "1")
    [shown_table] = [d for d in answered.dataframe if "Statut de confirmation" in d.value.columns]
    assert sum(shown_widths(shown_table).values()) <= ROOM_AT_1400  # the reason column is in view at 1,400 px
    caption = next(c for c in texts(answered.caption) if c.startswith("Les structures retenues confirment"))
    assert "reçoivent un rappel 3 jours avant" in caption and str(to_paris(deadline(scene["call"])).year) in caption


def test_a_decline_proposes_the_head_of_the_list_and_one_click_promotes_it(scene, answered):  # noqa: F811
    ids = scene["ids"]
    assert any("a décliné sa présentation" in m and "Charlie" in m for m in texts(answered.markdown))
    by_label(answered.button, "Promouvoir Charlie").click().run()
    no_exception(answered)
    assert escape_md("Charlie est désormais retenue : un message est en file d'envoi.") in texts(answered.success)
    with read_only() as session:
        assert session.get(Candidacy, ids["Charlie"]).deliberation == Deliberation.SELECTED
        assert session.get(Candidacy, ids["Delta"]).waitlist_rank == 1
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "decision_revised",
                                                         AuditEntry.object_id == ids["Charlie"])).one()
    assert entry.detail == "Place libérée : Bravo a décliné sa présentation"
    assert "Charlie" in answers_table(answered)["Structure"].tolist()
    # 3 places: Alpha, Charlie taken, Bravo's freed: Delta is proposed next
    assert [b.label for b in answered.button if b.label.startswith("Promouvoir ")] == ["Promouvoir Delta"]
    assert by_label(answered.text_input, "Raison de la promotion").value == ""


def test_no_promotion_is_proposed_while_every_place_is_taken(scene):  # noqa: F811
    with unit_of_work() as session:
        session.get(Call, scene["call"]).pitch_slots = 2
    at = published_page(scene)
    assert [b.label for b in at.button if b.label.startswith("Promouvoir ")] == []
    answer(scene["ids"]["Bravo"], declined=True)
    at.run()
    assert [b.label for b in at.button if b.label == "Promouvoir Charlie"] == ["Promouvoir Charlie"]


def test_the_lead_moves_the_deadline_refused_next_to_the_field_when_past_or_after_the_edition(scene):  # noqa: F811
    at = published_page(scene)
    before = deadline(scene["call"])
    for day, message in ((date.today() - timedelta(days=1), "Cette date limite est déjà passée"),
                         (date(2027, 3, 18), "ne peut pas dépasser la veille de la rencontre")):
        by_label(at.date_input, "Date limite de confirmation").set_value(day)
        by_label(at.time_input, "Heure limite").set_value(time(12, 0))
        by_label(at.button, "Enregistrer la date limite").click().run()
        no_exception(at)
        assert any(m.startswith(":red[") and escape_md(message) in m for m in texts(at.markdown)), message
        assert deadline(scene["call"]) == before
    chosen = date(2027, 3, 10)
    by_label(at.date_input, "Date limite de confirmation").set_value(chosen)
    by_label(at.time_input, "Heure limite").set_value(time(18, 0))
    by_label(at.button, "Enregistrer la date limite").click().run()
    no_exception(at)
    assert deadline(scene["call"]) == paris_to_utc(chosen, time(18, 0))
    assert escape_md("Date limite de confirmation enregistrée : le 10 mars 2027 à 18 h 00.") in " ".join(
        texts(at.success))
    assert not [m for m in texts(at.markdown) if m.startswith(":red[")]
    assert red  # the helper stays imported for the page tests' style


def test_a_promotion_past_the_deadline_warns_that_the_link_would_not_work(scene):  # noqa: F811
    at = published_page(scene)
    with unit_of_work() as session:
        session.get(Call, scene["call"]).confirm_by = datetime.now(UTC) - timedelta(minutes=1)
    at.run()
    no_exception(at)
    assert any(w.startswith("La date limite de confirmation est passée") for w in texts(at.warning))

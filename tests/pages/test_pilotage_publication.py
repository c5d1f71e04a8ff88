"""The lead's publication page (AppTest): the decisions table and exports, the confirmation
with each outcome's count, undecided candidacies blocking it unless marked, one outbox row
per candidacy and none more on a second publication, revisions and promotion afterwards,
and the page refused to anyone but the lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from streamlit.util import calc_hash

from core.selection import decisions, publication
from db.engine import read_only, unit_of_work
from db.models import Call, Candidacy, Deliberation, OutboxMessage, Publication, Role
from tests.core.selection.builders import Spec, make_candidacies, version
from tests.factories import make_call, make_network, make_user
from tests.pages.conftest import by_label, no_exception, open_app, red, texts
from tests.querycount import counting
from ui.forms import escape_md

PAGE = "pages/pilotage/publication.py"
NETWORK = "Urtie"


@pytest.fixture
def scene(sqlite_db):
    """A closed call with 3 pitch slots: Alpha, Bravo retained; Charlie, Delta waiting (1, 2);
    Écho not retained; Foxtrot without decision."""
    network = make_network(NETWORK)
    now = datetime.now(UTC)
    call_id = make_call(networks=(network,), opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    with unit_of_work() as session:
        session.get(Call, call_id).pitch_slots = 3
    names = ("Alpha", "Bravo", "Charlie", "Delta", "Écho", "Foxtrot")
    ids = dict(zip(names, make_candidacies(call_id, [Spec(name=n, network=NETWORK) for n in names]), strict=True))
    lead = make_user(Role.PILOTE)
    for name, decision in (("Alpha", "selected"), ("Bravo", "selected"), ("Charlie", "waitlisted"),
                           ("Delta", "waitlisted"), ("Écho", "not_selected")):
        with unit_of_work() as session:
            decisions.decide(session, actor=lead, candidacy_id=ids[name], expected_version=version(ids[name]),
                             decision=decision)
    return {"call": call_id, "ids": ids, "lead": lead, "network": network}


def outbox() -> list[int]:
    """The candidacy of each outbox row."""
    with read_only() as session:
        return list(session.scalars(select(OutboxMessage.candidacy_id).order_by(OutboxMessage.id)))


def stored(candidacy_id: int) -> tuple:
    with read_only() as session:
        c = session.get(Candidacy, candidacy_id)
        return c.deliberation, c.waitlist_rank, c.publication


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def open_confirmation(at):
    by_label(at.button, "Publier les décisions…").click().run()
    no_exception(at)
    return at


def confirm(at):
    by_label(at.button, "Confirmer la publication").click().run()
    no_exception(at)
    return at


def published_page(scene):
    at = open_confirmation(open_app(scene["lead"], PAGE))
    by_label(at.checkbox, "Marquer les candidatures sans décision comme non retenues").check().run()
    return confirm(at)


def test_the_table_lists_each_decision_typed_with_its_rank(scene):
    at = open_app(scene["lead"], PAGE)
    no_exception(at)
    frame = at.dataframe[0].value
    assert list(frame["Structure"]) == ["Alpha", "Bravo", "Charlie", "Delta", "Écho", "Foxtrot"]
    assert list(frame["Décision"]) == ["Retenue", "Retenue", "Liste d'attente", "Liste d'attente", "Non retenue",
                                       "En attente de décision"]
    assert frame["Rang en liste d'attente"].tolist()[2:4] == [1, 2] and frame["Rang en liste d'attente"].isna()[0]
    assert str(frame["Rang en liste d'attente"].dtype) == "Int64" and str(frame["Publiée"].dtype) == "bool"
    assert not frame["Publiée"].any()
    assert [b.label for b in at.get("download_button")] == ["Télécharger (Excel)", "Télécharger (CSV)"]


def test_the_confirmation_shows_each_outcome_s_count(scene):
    at = open_confirmation(open_app(scene["lead"], PAGE))
    assert metrics(at) == {"Retenues": "2", "Liste d'attente": "2", "Non retenues": "1", "Sans décision": "1"}
    assert outbox() == []  # opening the confirmation publishes nothing
    by_label(at.button, "Annuler").click().run()
    assert [b.label for b in at.button if b.label == "Confirmer la publication"] == []


def test_undecided_candidacies_block_the_publication_unless_marked(scene):
    at = confirm(open_confirmation(open_app(scene["lead"], PAGE)))
    assert red("1 candidature déposée n'a pas de décision : décidez-en, ou marquez-les non retenues dans la même "
               "publication. Rien n'a été publié.") in texts(at.markdown)
    assert outbox() == [] and stored(scene["ids"]["Alpha"])[2] == Publication.UNPUBLISHED
    by_label(at.checkbox, "Marquer les candidatures sans décision comme non retenues").check().run()
    confirm(at)
    done = escape_md("Décisions publiées : 6 messages mis en file d'envoi")
    assert any(s.startswith(done) for s in texts(at.success))
    assert sorted(outbox()) == sorted(scene["ids"].values())  # exactly one per candidacy
    assert stored(scene["ids"]["Foxtrot"]) == (Deliberation.NOT_SELECTED, None, Publication.PUBLISHED)
    assert at.dataframe[0].value["Publiée"].all()


def test_a_second_publication_from_another_tab_adds_no_message(scene):
    first = open_confirmation(open_app(scene["lead"], PAGE))
    second = open_confirmation(open_app(scene["lead"], PAGE))
    for at in (first, second):
        by_label(at.checkbox, "Marquer les candidatures sans décision comme non retenues").check().run()
    confirm(first)
    assert len(outbox()) == 6
    confirm(second)  # a double click, or the same confirmation left open in another tab
    again = "Ces décisions étaient déjà publiées : aucun nouveau message n'a été ajouté."
    assert escape_md(again) in texts(second.info)
    assert len(outbox()) == 6


def test_decisions_changed_since_the_confirmation_are_not_published(scene):
    at = open_confirmation(open_app(scene["lead"], PAGE))
    by_label(at.checkbox, "Marquer les candidatures sans décision comme non retenues").check()
    foxtrot = scene["ids"]["Foxtrot"]
    with unit_of_work() as session:  # another tab retains Foxtrot meanwhile
        decisions.decide(session, actor=scene["lead"], candidacy_id=foxtrot, expected_version=version(foxtrot),
                         decision="selected")
    # the click acts on what this run showed, before the next run reads the decisions again
    by_label(at.button, "Confirmer la publication").click()
    at.run()
    assert any(e.startswith(escape_md("Les décisions ont changé depuis l'aperçu")) for e in texts(at.error))
    assert outbox() == []
    assert metrics(at)["Retenues"] == "3"  # the confirmation now shows the new counts


def test_a_revision_needs_a_reason_then_changes_the_decision_with_a_corrected_message(scene):
    at = published_page(scene)
    echo = scene["ids"]["Écho"]
    by_label(at.selectbox, "Candidature").set_value(echo).run()
    by_label(at.selectbox, "Nouvelle décision").set_value(Deliberation.WAITLISTED).run()
    by_label(at.text_input, "Rang en liste d'attente").input("9").run()
    by_label(at.button, "Réviser la décision").click().run()
    no_exception(at)
    assert red("Indiquez la raison de la révision : elle est gardée au journal.") in texts(at.markdown)
    assert stored(echo)[0] == Deliberation.NOT_SELECTED and len(outbox()) == 6
    by_label(at.text_area, "Raison de la révision").input("Dossier complété").run()
    by_label(at.button, "Réviser la décision").click().run()
    assert red("Le rang doit être compris entre 1 et 3.") in texts(at.markdown)
    by_label(at.text_input, "Rang en liste d'attente").input("1").run()
    by_label(at.button, "Réviser la décision").click().run()
    no_exception(at)
    done = "Décision révisée : le réseau la voit, et un message corrigé est en file d'envoi."
    assert escape_md(done) in texts(at.success)
    assert stored(echo) == (Deliberation.WAITLISTED, 1, Publication.PUBLISHED)
    assert stored(scene["ids"]["Charlie"])[1] == 2 and outbox()[6:] == [echo]  # only the revised one is written to
    assert by_label(at.text_area, "Raison de la révision").value == ""


def test_promotion_retains_the_head_once_a_place_is_free(scene):
    at = published_page(scene)
    ids = scene["ids"]
    # 2 retained for 3 places: one is free, the head of the list is proposed
    by_label(at.text_input, "Raison de la promotion").input("Place restante").run()
    by_label(at.button, "Promouvoir Charlie").click().run()
    no_exception(at)
    assert escape_md("Charlie est désormais retenue : un message est en file d'envoi.") in texts(at.success)
    assert stored(ids["Charlie"]) == (Deliberation.SELECTED, None, Publication.PUBLISHED)
    assert stored(ids["Delta"])[1] == 1 and outbox()[-1] == ids["Charlie"]
    with read_only() as session:
        from db.models import AuditEntry

        assert session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "decision_revised")).one() == \
            "Place restante"
    # the three places are taken now: Delta, at the head, waits for one to free, and no button offers it
    assert not [b for b in at.button if b.label.startswith("Promouvoir")]
    assert any(i.startswith(escape_md("En tête de la liste d'attente : Delta")) and "Toutes les places sont prises"
               in i for i in texts(at.info))
    assert stored(ids["Delta"])[0] == Deliberation.WAITLISTED


def test_promotion_without_a_typed_reason_keeps_the_page_s_own(scene):
    at = published_page(scene)
    by_label(at.button, "Promouvoir Charlie").click().run()
    no_exception(at)
    assert stored(scene["ids"]["Charlie"])[0] == Deliberation.SELECTED
    with read_only() as session:
        from db.models import AuditEntry

        assert session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "decision_revised")).one() == \
            "Place de présentation libre"


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_reaches_the_page(scene, role):
    at = open_app(make_user(role))
    with pytest.raises(ValueError):  # not registered for this role
        at.switch_page(PAGE)
    at._page_hash = calc_hash("publication")  # what a browser asks for on /publication
    at.run()
    no_exception(at)
    assert texts(at.title) == ["Page non disponible"]
    assert texts(at.info) == ["Cette page n'est pas accessible avec votre compte."]
    assert not at.dataframe and [b.label for b in at.button] == ["Se déconnecter"]


def test_the_page_statement_count_does_not_grow_with_the_candidacies(scene, sqlite_db):
    at = published_page(scene)

    def one_run() -> int:
        with counting(sqlite_db) as statements:
            at.run()
        no_exception(at)
        return len(statements)

    few = one_run()
    make_candidacies(scene["call"], [Spec(name=f"Structure {i}", network=NETWORK) for i in range(20)])
    assert one_run() == few
    assert len(at.dataframe[0].value) == 26


def test_a_call_still_open_offers_no_publication(scene):
    with unit_of_work() as session:
        session.get(Call, scene["call"]).closes_at = datetime.now(UTC) + timedelta(days=1)
    at = open_app(scene["lead"], PAGE)
    no_exception(at)
    assert "L'appel reçoit encore des candidatures : ses décisions se publient après sa clôture." in texts(at.info)
    assert not [b for b in at.button if b.label == "Publier les décisions…"]


def test_a_revision_to_the_same_decision_says_nothing_changed(scene):
    at = published_page(scene)
    by_label(at.selectbox, "Candidature").set_value(scene["ids"]["Alpha"]).run()
    by_label(at.selectbox, "Nouvelle décision").set_value(Deliberation.SELECTED).run()
    by_label(at.text_area, "Raison de la révision").input("Vérification").run()
    by_label(at.button, "Réviser la décision").click().run()
    no_exception(at)
    assert escape_md("Cette candidature a déjà cette décision à ce rang : rien n'a changé, aucun message.") in \
        texts(at.info)
    assert not [s for s in texts(at.success) if s.startswith(escape_md("Décision révisée"))] and len(outbox()) == 6


def test_a_revision_on_a_decision_changed_meanwhile_is_refused(scene):
    at = published_page(scene)
    alpha = scene["ids"]["Alpha"]
    by_label(at.selectbox, "Candidature").set_value(alpha).run()
    by_label(at.selectbox, "Nouvelle décision").set_value(Deliberation.NOT_SELECTED).run()
    by_label(at.text_area, "Raison de la révision").input("Désistement").run()
    with unit_of_work() as session:  # another tab puts Alpha on the waiting list meanwhile
        publication.revise(session, actor=scene["lead"], candidacy_id=alpha, expected_version=version(alpha),
                           decision="waitlisted", reason="Autre onglet")
    by_label(at.button, "Réviser la décision").click()
    at.run()
    no_exception(at)
    assert any(e.startswith(escape_md("Cette décision a été modifiée entre-temps")) for e in texts(at.error))
    assert stored(alpha)[0] == Deliberation.WAITLISTED


def test_no_act_once_the_session_is_revoked_in_another_tab(scene):
    # The acts are button callbacks, which run before the top of the script checks the session.
    from core.accounts import sessions
    from ui.session import TEST_TOKEN_KEY

    at = open_confirmation(open_app(scene["lead"], PAGE))
    by_label(at.checkbox, "Marquer les candidatures sans décision comme non retenues").check().run()
    with unit_of_work() as session:  # signed out in another tab (or the account disabled)
        sessions.sign_out(session, at.session_state[TEST_TOKEN_KEY])
    confirm(at)
    no_exception(at)
    assert outbox() == [] and stored(scene["ids"]["Alpha"])[2] == Publication.UNPUBLISHED
    at = published_page(scene)
    by_label(at.text_input, "Raison de la promotion").input("Place restante").run()
    with unit_of_work() as session:
        sessions.sign_out(session, at.session_state[TEST_TOKEN_KEY])
    by_label(at.button, "Promouvoir Charlie").click().run()
    no_exception(at)
    assert stored(scene["ids"]["Charlie"])[0] == Deliberation.WAITLISTED

"""The lead's outbox: typed table, filters, counts per state, edit a draft, discard, requeue."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import update

from core.errors import DomainError, NotAllowed, StaleEdit, ValidationFailed
from core.mail import outbox_admin
from core.mail.outbox_admin import OutboxFilter
from core.mail.sending import LINK_REMOVED
from db.engine import read_only, unit_of_work
from db.models import MailStatus, OutboxMessage, Role
from tests.core.mail.outbox_rows import add_messages, row
from tests.factories import make_call, make_user
from tests.querycount import statements_of

NOW = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)


def set_row(message_id: int, **values) -> None:
    with unit_of_work() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


def page_of(actor, page=1, page_size=outbox_admin.PAGE_SIZE, **filters) -> outbox_admin.OutboxPage:
    with read_only() as session:
        return outbox_admin.outbox_frame(session, actor=actor, filters=OutboxFilter(**filters), now=NOW, page=page,
                                         page_size=page_size)


def frame(actor, **filters):
    return page_of(actor, **filters).frame


def test_outbox_frame_is_typed_newest_first_with_states(db):
    lead = make_user(Role.PILOTE)
    queued, failed, stuck = (add_messages(1, template_key=k)[0] for k in ("invitation", "b", "c"))
    set_row(failed, status=MailStatus.FAILED, next_attempt_at=NOW + timedelta(minutes=1), attempts=1,
            last_error="Serveur de courriel injoignable")
    set_row(stuck, status=MailStatus.SENDING, claimed_at=NOW - timedelta(hours=1))
    table = frame(lead)
    assert list(table["id"]) == [stuck, failed, queued]
    assert list(table["state"]) == ["interrupted", "retrying", "queued"]
    assert list(table["state_label"]) == ["Envoi interrompu", "Échec, nouvel essai prévu", "En file d'attente"]
    assert table.loc[2, "template"] == "Invitation à créer un compte"
    assert str(table["created_at"].dtype) == "datetime64[us, Europe/Paris]"
    assert str(table["attempts"].dtype) == "Int64"


def test_outbox_frame_filters_by_state_template_call_and_search(db):
    lead = make_user(Role.PILOTE)
    call_id = make_call()
    first = add_messages(1, to="camille{n}@urtie.fr", subject="Décision", template_key="a")[0]
    second = add_messages(1, to="awa{n}@initiatives77.fr", template_key="b")[0]
    set_row(second, call_id=call_id)
    assert list(frame(lead, search="CAMILLE")["id"]) == [first]
    assert list(frame(lead, search="décision")["id"]) == [first]
    assert list(frame(lead, template_key="b")["id"]) == [second]
    assert list(frame(lead, call_id=call_id)["id"]) == [second]
    assert list(frame(lead, states=("queued",))["id"]) == [second, first]
    assert frame(lead, states=("sent",)).empty


def test_outbox_frame_statements_do_not_grow_with_rows_or_pages(db):
    lead = make_user(Role.PILOTE)
    add_messages(2)
    few = statements_of(db, lambda: frame(lead))
    add_messages(40, template_key="z")
    assert statements_of(db, lambda: frame(lead)) == few
    assert statements_of(db, lambda: page_of(lead, page=3, page_size=10, states=("queued",), search="n°")) == few


def test_outbox_pages_follow_each_other_newest_first_with_the_count_of_every_filtered_row(db):
    lead = make_user(Role.PILOTE)
    ids = add_messages(7)  # ids ascending: the page shows the newest first
    first, second, last = (page_of(lead, page=n, page_size=3) for n in (1, 2, 3))
    assert [list(p.frame["id"]) for p in (first, second, last)] == [ids[6:3:-1], ids[3:0:-1], [ids[0]]]
    assert (second.total, second.page, second.pages) == (7, 2, 3)
    assert [p.label for p in (first, second, last)] == ["Messages 1 à 3 sur 7", "Messages 4 à 6 sur 7",
                                                         "Messages 7 à 7 sur 7"]
    assert second.moved is None
    assert str(second.frame["created_at"].dtype) == "datetime64[us, Europe/Paris]"


def test_outbox_count_and_pages_are_those_of_the_filtered_rows(db):
    lead = make_user(Role.PILOTE)
    add_messages(5, template_key="a")
    kept = add_messages(4, template_key="b")
    page = page_of(lead, page=2, page_size=3, template_key="b")
    assert (page.total, page.pages, list(page.frame["id"])) == (4, 2, [kept[0]])
    assert page.label == "Messages 4 à 4 sur 4"
    assert page_of(lead, template_key="b", search="n° 3").total == 1


def test_outbox_page_out_of_range_is_the_nearest_one_and_says_so(db):
    lead = make_user(Role.PILOTE)
    ids = add_messages(5)
    beyond = page_of(lead, page=9, page_size=2)
    assert (beyond.page, list(beyond.frame["id"])) == (3, [ids[0]])
    assert beyond.moved == "La page 9 n'existe pas : ces filtres donnent 3 page(s). Voici la page 3."
    assert page_of(lead, page=0, page_size=2).page == page_of(lead, page=-4, page_size=2).page == 1
    empty = page_of(lead, page=2, states=("sent",))
    assert (empty.total, empty.page, empty.pages, empty.label) == (0, 1, 1, "Aucun message")
    assert empty.frame.empty and list(empty.frame.columns) == list(outbox_admin.COLUMNS)


def test_outbox_label_writes_thousands_the_french_way():
    shown = outbox_admin.OutboxPage(frame=pd.DataFrame({"id": range(200)}), total=10_000, page=2, page_size=200,
                                    requested=2)
    assert shown.pages == 50
    assert shown.label == "Messages 201 à 400 sur 10\u202f000"


def test_state_counts_lists_every_state(db):
    lead = make_user(Role.PILOTE)
    add_messages(2)
    [sent] = add_messages(1, template_key="s")
    set_row(sent, status=MailStatus.SENT)
    with read_only() as session:
        counts = outbox_admin.state_counts(session, actor=lead, now=NOW)
    assert counts["queued"] == 2 and counts["sent"] == 1 and counts["failed"] == 0
    assert list(counts) == list(outbox_admin.STATES)


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_outbox_is_refused_to_everyone_but_the_lead(db, role):
    with pytest.raises(NotAllowed):
        frame(make_user(role))


def test_edit_draft_changes_text_and_refuses_stale_or_empty(db):
    lead = make_user(Role.PILOTE)
    [draft] = add_messages(1, status=MailStatus.DRAFT, body_html="<p>ancien</p>")
    version = row(draft).version
    with unit_of_work() as session:
        outbox_admin.edit_draft(session, actor=lead, message_id=draft, version=version, subject="Nouvel objet",
                                body_text="Nouveau texte")
    edited = row(draft)
    assert (edited.subject, edited.body_text) == ("Nouvel objet", "Nouveau texte\n")
    assert "<p>Nouveau texte</p>" in edited.body_html and "ancien" not in edited.body_html
    with pytest.raises(StaleEdit), unit_of_work() as session:
        outbox_admin.edit_draft(session, actor=lead, message_id=draft, version=version, subject="x", body_text="y")
    with pytest.raises(ValidationFailed) as refused, unit_of_work() as session:
        outbox_admin.edit_draft(session, actor=lead, message_id=draft, version=edited.version,
                                subject="a\r\nBcc: x@y.fr", body_text=" ")
    assert set(refused.value.errors) == {"subject", "body_text"}
    assert row(draft).subject == "Nouvel objet"


def test_edit_draft_refuses_a_queued_message(db):
    lead = make_user(Role.PILOTE)
    [queued] = add_messages(1)
    with pytest.raises(DomainError, match="Seul un brouillon"), unit_of_work() as session:
        outbox_admin.edit_draft(session, actor=lead, message_id=queued, version=row(queued).version,
                                subject="x", body_text="y")


def test_discard_needs_a_note_and_removes_the_personal_link(db):
    lead = make_user(Role.PILOTE)
    link = "http://testserver/confirmation/jeton"
    [queued] = add_messages(1, body_text=f"Lien : {link}", personal_link=link)
    with pytest.raises(ValidationFailed), unit_of_work() as session:
        outbox_admin.discard(session, actor=lead, message_ids=[queued], note="  ")
    with unit_of_work() as session:
        assert outbox_admin.discard(session, actor=lead, message_ids=[queued], note="Doublon", now=NOW) == 1
    stored = row(queued)
    assert stored.status == MailStatus.DISCARDED and stored.status_note.endswith(": Doublon")
    assert stored.personal_link is None and stored.body_text == f"Lien : {LINK_REMOVED}"


def test_requeue_takes_failed_and_interrupted_rows_but_refuses_sent_ones_whole(db):
    lead = make_user(Role.PILOTE)
    failed, stuck, sent = (add_messages(1, template_key=k)[0] for k in "abc")
    set_row(failed, status=MailStatus.FAILED, next_attempt_at=None, last_error="refusé (550)")
    set_row(stuck, status=MailStatus.SENDING, claimed_at=NOW - timedelta(hours=2))
    set_row(sent, status=MailStatus.SENT)
    with pytest.raises(DomainError, match="rien n'a été changé"), unit_of_work() as session:
        outbox_admin.requeue(session, actor=lead, message_ids=[failed, sent], now=NOW)
    assert row(failed).status == MailStatus.FAILED
    with unit_of_work() as session:
        assert outbox_admin.requeue(session, actor=lead, message_ids=[failed, stuck], now=NOW) == 2
    assert row(failed).status == row(stuck).status == MailStatus.QUEUED


def test_requeue_refuses_a_row_being_sent_right_now(db):
    lead = make_user(Role.PILOTE)
    [busy] = add_messages(1)
    set_row(busy, status=MailStatus.SENDING, claimed_at=NOW - timedelta(minutes=1))
    with pytest.raises(DomainError, match="envoi en cours"), unit_of_work() as session:
        outbox_admin.requeue(session, actor=lead, message_ids=[busy], now=NOW)


@pytest.mark.parametrize(("subject", "body", "stored"), [
    ("Objet\u2028Bcc: x@y.fr", "Texte", ("Objet Bcc: x@y.fr", "Texte\n")),  # a line separator ends a header line
    ("Objet \u202eexe.fdp", "Texte\x00 \u202eà lire", ("Objet exe.fdp", "Texte à lire\n")),  # NUL, bidi reversal
])
def test_edit_draft_keeps_the_subject_on_one_visible_line_and_drops_controls_from_the_text(db, subject, body,
                                                                                          stored):
    # The same rule as a rendered message (core.mail.rendering): a draft edited by hand gets no exception.
    lead = make_user(Role.PILOTE)
    [draft] = add_messages(1, status=MailStatus.DRAFT)
    with unit_of_work() as session:
        outbox_admin.edit_draft(session, actor=lead, message_id=draft, version=row(draft).version, subject=subject,
                                body_text=body)
    assert (row(draft).subject, row(draft).body_text) == stored


def test_outbox_search_takes_percent_and_underscore_literally(db):
    lead = make_user(Role.PILOTE)
    plain, underscored = add_messages(2, to="contact{n}@structure.fr")
    set_row(underscored, to_address="contact_1@structure.fr", subject="Remise de 100%")
    assert list(frame(lead, search="_")["id"]) == [underscored]
    assert list(frame(lead, search="100%")["id"]) == [underscored]
    assert list(frame(lead, search="contact0")["id"]) == [plain]

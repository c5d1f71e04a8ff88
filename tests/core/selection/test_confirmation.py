"""Confirmation by the retained structures: the deadline (default, the lead's changes), the
personal link (peek, confirm, decline, reuse, expiry, forgery, replacement), the slot a
decline frees and the promotion it allows, the lead's view, and the reminders."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from core.accounts.tokens import hash_token
from core.clock import paris_to_utc
from core.errors import CapacityReached, NotAllowed, StaleEdit, ValidationFailed
from core.selection import answers, confirmation, decisions, publication
from core.selection.answers import LinkRefused
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    Call,
    Candidacy,
    Confirmation,
    Deliberation,
    OneTimeToken,
    OutboxMessage,
    Role,
)
from tests.core.selection.builders import NOW, Spec, make_candidacies, make_selection_call, version
from tests.core.selection.builders import waitlist as listed
from tests.factories import make_user

SELECTED, WAITLISTED = Deliberation.SELECTED, Deliberation.WAITLISTED
DEFAULT_DEADLINE = NOW + timedelta(days=10)  # the edition (18 March 2027) is further away
EDITION_DAY_START = paris_to_utc(datetime(2027, 3, 18).date(), time(0, 0))


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)


def decide(actor, candidacy_id, decision):
    with unit_of_work() as session:
        decisions.decide(session, actor=actor, candidacy_id=candidacy_id, expected_version=version(candidacy_id),
                         decision=decision)


def publish(actor, call_id, now=NOW):
    with unit_of_work() as session:
        fingerprint = publication.preview(session, actor=actor, call_id=call_id).fingerprint
    with unit_of_work() as session:
        return publication.publish(session, actor=actor, call_id=call_id, fingerprint=fingerprint, now=now)


def link(candidacy_id, *, now=NOW, expires_at=DEFAULT_DEADLINE) -> str:
    """A personal link's token, as the retained message carries it."""
    with unit_of_work() as session:
        url = confirmation.issue_confirmation_link(session, candidacy_id=candidacy_id, expires_at=expires_at, now=now)
    assert url.startswith("http") and "/confirmation/" in url
    return url.rsplit("/", 1)[-1]


def peek(token, now=NOW + timedelta(days=1)):
    with read_only() as session:
        return answers.peek(session, token, now=now)


def confirm(token, now=NOW + timedelta(days=1)):
    with unit_of_work() as session:
        return answers.confirm(session, token=token, ip_address="192.0.2.7", now=now)


def decline(token, reason=None, now=NOW + timedelta(days=1)):
    with unit_of_work() as session:
        return answers.decline(session, token=token, reason=reason, ip_address="192.0.2.7", now=now)


def candidacy(candidacy_id) -> Candidacy:
    with read_only() as session:
        return session.get(Candidacy, candidacy_id)


def entries(action) -> list[AuditEntry]:
    with read_only() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def promote(actor, call_id, head=None):
    with unit_of_work() as session:
        return publication.promote_first(session, actor=actor, call_id=call_id, reason="Place libérée",
                                         expected_head=head, now=NOW + timedelta(days=2))


@pytest.fixture
def published(pilote):
    """A closed call with 2 slots, published at NOW: Alpha and Bravo retained, Charlie and Delta waiting."""
    call_id = make_selection_call(slots=2, closed=True)
    ids = make_candidacies(call_id, [Spec(name="Alpha"), Spec(name="Bravo", network="PLIE"), Spec(name="Charlie"),
                                     Spec(name="Delta")])
    for candidacy_id, decision in zip(ids, (SELECTED, SELECTED, WAITLISTED, WAITLISTED), strict=True):
        decide(pilote, candidacy_id, decision)
    publish(pilote, call_id)
    return call_id, ids


# ---------------------------------------------------------------- the deadline


def test_publication_sets_the_default_deadline(published):
    call_id, _ = published
    with read_only() as session:
        assert session.get(Call, call_id).confirm_by == DEFAULT_DEADLINE
    assert entries("decisions_published")[-1].after["confirm_by"] == DEFAULT_DEADLINE.isoformat()


def test_the_default_deadline_is_never_after_the_edition_s_day():
    assert confirmation.default_confirm_by(NOW + timedelta(days=15), datetime(2027, 3, 18).date()) == \
        EDITION_DAY_START


def test_publication_keeps_a_deadline_the_lead_set_before(pilote):
    call_id = make_selection_call(slots=1, closed=True)
    [a] = make_candidacies(call_id, 1)
    decide(pilote, a, SELECTED)
    chosen = NOW + timedelta(days=4)
    with unit_of_work() as session:
        confirmation.set_confirm_by(session, actor=pilote, call_id=call_id, confirm_by=chosen, now=NOW)
    publish(pilote, call_id)
    with read_only() as session:
        assert session.get(Call, call_id).confirm_by == chosen


def test_a_deadline_the_lead_set_that_has_passed_by_publication_gives_way_to_the_default(pilote):
    call_id = make_selection_call(slots=1, closed=True)
    [a] = make_candidacies(call_id, 1)
    decide(pilote, a, SELECTED)
    with unit_of_work() as session:
        confirmation.set_confirm_by(session, actor=pilote, call_id=call_id, confirm_by=NOW - timedelta(hours=1),
                                    now=NOW - timedelta(days=1))
    publish(pilote, call_id)
    with read_only() as session:
        assert session.get(Call, call_id).confirm_by == DEFAULT_DEADLINE


def test_the_lead_moves_the_deadline_and_it_is_audited(pilote, published):
    call_id, _ = published
    later = NOW + timedelta(days=14)
    with unit_of_work() as session:
        assert confirmation.set_confirm_by(session, actor=pilote, call_id=call_id, confirm_by=later,
                                           now=NOW) == later
    with read_only() as session:
        assert session.get(Call, call_id).confirm_by == later
    [entry] = entries("confirmation_deadline_set")
    assert (entry.actor_id, entry.object_id) == (pilote.user_id, call_id)
    assert entry.before == {"confirm_by": DEFAULT_DEADLINE.isoformat()} and entry.after == {
        "confirm_by": later.isoformat()}


@pytest.mark.parametrize(("moment", "message"), [
    (NOW - timedelta(minutes=1), "Cette date limite est déjà passée"),
    (EDITION_DAY_START + timedelta(minutes=1), "ne peut pas dépasser la veille de la rencontre : au plus tard le "
                                               "17 mars 2027 à 23 h 59."),
])
def test_a_deadline_in_the_past_or_after_the_edition_is_refused_and_nothing_changes(pilote, published, moment,
                                                                                     message):
    call_id, _ = published
    with unit_of_work() as session, pytest.raises(ValidationFailed) as refused:
        confirmation.set_confirm_by(session, actor=pilote, call_id=call_id, confirm_by=moment, now=NOW)
    assert message in refused.value.errors["confirm_by"]
    with read_only() as session:
        assert session.get(Call, call_id).confirm_by == DEFAULT_DEADLINE
    assert entries("confirmation_deadline_set") == []


def test_the_deadline_at_the_edition_s_day_start_is_accepted(pilote, published):
    call_id, _ = published
    with unit_of_work() as session:
        confirmation.set_confirm_by(session, actor=pilote, call_id=call_id, confirm_by=EDITION_DAY_START, now=NOW)


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_moves_the_deadline(published, role):
    call_id, _ = published
    with unit_of_work() as session, pytest.raises(NotAllowed):
        confirmation.set_confirm_by(session, actor=make_user(role), call_id=call_id,
                                    confirm_by=NOW + timedelta(days=3), now=NOW)


def test_a_later_deadline_extends_the_live_links(pilote, published):
    call_id, (a, *_) = published
    token = link(a)
    after_first_deadline = DEFAULT_DEADLINE + timedelta(days=1)
    with pytest.raises(LinkRefused):
        peek(token, now=after_first_deadline)
    with unit_of_work() as session:
        confirmation.set_confirm_by(session, actor=pilote, call_id=call_id, confirm_by=NOW + timedelta(days=14),
                                    now=NOW + timedelta(days=2))
    assert peek(token, now=after_first_deadline).structure == "Alpha"
    confirm(token, now=after_first_deadline)
    assert candidacy(a).confirmation == Confirmation.CONFIRMED


# ---------------------------------------------------------------- the link


def test_peeking_shows_the_pitch_and_uses_nothing(published):
    _, (a, *_) = published
    token = link(a)
    shown = peek(token)
    assert (shown.structure, shown.theme, shown.edition, shown.pitch_minutes) == (
        "Alpha", "Thème de test", "Rencontre de test", 5)
    assert shown.event_date.isoformat() == "2027-03-18" and shown.start_time == time(9, 0)
    assert shown.confirm_by == DEFAULT_DEADLINE and shown.starts_at is None
    assert peek(token).candidacy_id == a  # twice: still usable
    with read_only() as session:
        assert session.scalar(select(OneTimeToken.used_at).where(OneTimeToken.token_hash == hash_token(token))) is None
    assert candidacy(a).confirmation == Confirmation.PENDING


def test_confirming_records_the_answer_uses_the_link_and_is_audited_without_actor(published):
    _, (a, *_) = published
    token = link(a)
    before = candidacy(a).version
    answered_at = NOW + timedelta(days=1)
    shown = confirm(token, now=answered_at)
    assert shown.confirmation == Confirmation.CONFIRMED
    stored = candidacy(a)
    assert (stored.confirmation, stored.confirmation_answered_at, stored.decline_reason) == (
        Confirmation.CONFIRMED, answered_at, None)
    assert stored.deliberation == SELECTED and stored.version == before + 1
    with read_only() as session:
        assert session.scalar(select(OneTimeToken.used_at)
                              .where(OneTimeToken.token_hash == hash_token(token))) == answered_at
    [entry] = entries("pitch_confirmed")
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.ip_address) == (None, "candidacy", a,
                                                                                     "192.0.2.7")
    assert entry.after == {"confirmation": "confirmed"} and entry.network_id == stored.network_id


def test_a_used_link_is_refused_with_the_same_message_and_changes_nothing(published):
    _, (a, *_) = published
    token = link(a)
    confirm(token)
    with pytest.raises(LinkRefused) as refused:
        decline(token, "Finalement non")
    assert refused.value.message == LinkRefused.message and "Alpha" not in refused.value.message
    assert refused.value.reason == "réponse déjà donnée" and refused.value.candidacy_id == a
    assert candidacy(a).confirmation == Confirmation.CONFIRMED and entries("pitch_declined") == []


def test_declining_keeps_the_reason_without_invisible_characters(published):
    _, (_, b, *_) = published
    token = link(b)
    decline(token, "  Indisponibles\u200b ce jour-là\x07\r\nDésolés  ")
    stored = candidacy(b)
    assert stored.confirmation == Confirmation.DECLINED and stored.deliberation == SELECTED
    assert stored.decline_reason == "Indisponibles ce jour-là\nDésolés"
    [entry] = entries("pitch_declined")
    assert entry.after == {"confirmation": "declined", "decline_reason": "Indisponibles ce jour-là\nDésolés"}


def test_declining_without_a_reason_is_allowed(published):
    _, (_, b, *_) = published
    decline(link(b), "   ")
    assert (candidacy(b).confirmation, candidacy(b).decline_reason) == (Confirmation.DECLINED, None)


def test_a_too_long_reason_is_refused_and_the_link_still_works(published):
    _, (_, b, *_) = published
    token = link(b)
    with pytest.raises(ValidationFailed) as refused:
        decline(token, "x" * (answers.DECLINE_REASON_LIMIT + 1))
    assert refused.value.errors["reason"].startswith("1\u202f000 caractères au maximum")
    assert candidacy(b).confirmation == Confirmation.PENDING
    decline(token, "Trop court délai")
    assert candidacy(b).confirmation == Confirmation.DECLINED


def test_a_link_past_the_deadline_is_refused(published):
    _, (a, *_) = published
    token = link(a)
    assert peek(token, now=DEFAULT_DEADLINE - timedelta(seconds=1)).candidacy_id == a
    for moment in (DEFAULT_DEADLINE, DEFAULT_DEADLINE + timedelta(days=1)):
        with pytest.raises(LinkRefused) as refused:
            confirm(token, now=moment)
        assert refused.value.reason == "date limite de confirmation passée"
    assert candidacy(a).confirmation == Confirmation.PENDING


@pytest.mark.parametrize("forged", ["", "x", "a" * 43, "a" * 5000])
def test_a_forged_link_is_refused(published, forged):
    _, (a, *_) = published
    link(a)
    with pytest.raises(LinkRefused) as refused:
        confirm(forged)
    assert (refused.value.reason, refused.value.candidacy_id) == ("lien inconnu", None)
    assert candidacy(a).confirmation == Confirmation.PENDING


def test_a_link_replaced_by_a_new_one_is_refused_and_the_new_one_works(published):
    _, (a, *_) = published
    first = link(a)
    second = link(a, now=NOW + timedelta(hours=1))
    with pytest.raises(LinkRefused) as refused:
        confirm(first)
    assert refused.value.reason == "lien déjà utilisé ou remplacé"
    confirm(second)
    assert candidacy(a).confirmation == Confirmation.CONFIRMED


def test_a_link_of_a_candidacy_no_longer_retained_is_refused(pilote, published):
    _, (a, *_) = published
    token = link(a)
    with unit_of_work() as session:
        publication.revise(session, actor=pilote, candidacy_id=a, expected_version=version(a),
                           decision="not_selected", reason="Erreur de saisie", now=NOW)
    with pytest.raises(LinkRefused) as refused:
        peek(token)
    # The corrected message's queueing used up the links of the outcome it replaces.
    assert refused.value.reason == "lien déjà utilisé ou remplacé"


def test_a_refused_attempt_is_audited_with_its_reason(published):
    _, (a, *_) = published
    token = link(a)
    confirm(token)
    try:
        confirm(token, now=NOW + timedelta(days=1) + answers.REPEAT_WINDOW)
    except LinkRefused as error:
        with unit_of_work() as session:
            answers.record_refusal(session, error=error, ip_address="198.51.100.4")
    [entry] = entries("confirmation_link_rejected")
    assert (entry.actor_id, entry.object_id, entry.detail, entry.ip_address) == (
        None, a, "réponse déjà donnée", "198.51.100.4")


def test_the_pitch_time_comes_from_the_programme_once_it_holds_the_pitch(pilote, published):
    from db.models import ItemKind
    from tests.core.programme.builders import add, item

    call_id, (a, b, *_) = published
    with read_only() as session:
        edition_id = session.get(Call, call_id).edition_id
    assert peek(link(a)).starts_at is None  # no programme yet: the page says the timetable will follow
    add(pilote, edition_id, item(ItemKind.WELCOME, "09:00", "09:30"))
    add(pilote, edition_id, item(ItemKind.PITCHES, "09:30", "10:00", call_id=call_id))
    # Alpha and Bravo in the French order of their names, 5 min each plus the changeover
    starts = {peek(link(a)).starts_at, peek(link(b)).starts_at}
    assert peek(link(a)).starts_at == time(9, 30) and len(starts) == 2


# ---------------------------------------------------------------- the slot a decline frees


def test_a_decline_frees_the_slot_and_the_head_of_the_list_is_promoted_once(pilote, published):
    call_id, (_, b, c, d) = published
    with pytest.raises(CapacityReached):
        promote(pilote, call_id)
    decline(link(b), "Indisponibles")
    with read_only() as session:
        shown = answers.overview(session, actor=pilote, call_id=call_id)
    assert shown.free_slots == 1 and shown.proposal.candidacy_id == c and shown.declined == ["Bravo"]
    head = (shown.proposal.candidacy_id, shown.proposal.version)
    assert promote(pilote, call_id, head) == c
    with pytest.raises(StaleEdit):  # the second click of a double click: the head shown has moved
        promote(pilote, call_id, head)
    assert candidacy(c).deliberation == SELECTED and candidacy(d).deliberation == WAITLISTED
    assert listed(call_id) == [d]
    assert candidacy(c).confirmation == Confirmation.PENDING  # promoted: its own answer is to come
    with read_only() as session:
        keys = list(session.scalars(select(OutboxMessage.template_key).where(OutboxMessage.candidacy_id == c)))
        again = answers.overview(session, actor=pilote, call_id=call_id)
    assert keys == ["decision_waitlisted", "decision_selected"]
    assert again.free_slots == 0 and again.proposal is None
    with pytest.raises(CapacityReached):  # no place for Delta: Bravo's freed slot is Charlie's
        promote(pilote, call_id)


def test_a_candidacy_declined_then_retained_again_by_revision_asks_a_fresh_answer(pilote, published):
    call_id, (_, b, c, _) = published
    decline(link(b), "Indisponibles")
    promote(pilote, call_id)
    with unit_of_work() as session:  # Bravo can come after all: back to the list, then retained in Charlie's place
        publication.revise(session, actor=pilote, candidacy_id=b, expected_version=version(b), decision="waitlisted",
                           reason="Disponible finalement", now=NOW)
    with unit_of_work() as session:
        publication.revise(session, actor=pilote, candidacy_id=c, expected_version=version(c),
                           decision="not_selected", reason="Désistement", now=NOW)
    with unit_of_work() as session:
        publication.revise(session, actor=pilote, candidacy_id=b, expected_version=version(b), decision="selected",
                           reason="Place libre", now=NOW)
    stored = candidacy(b)
    assert (stored.confirmation, stored.confirmation_answered_at, stored.decline_reason) == (
        Confirmation.PENDING, None, None)


# ---------------------------------------------------------------- the lead's view


def test_the_lead_sees_each_retained_candidacy_s_answer_in_a_typed_frame(pilote, published):
    call_id, (a, b, *_) = published
    confirm(link(a), now=datetime(2027, 3, 2, 13, 30, tzinfo=UTC))
    decline(link(b), "Indisponibles")
    with read_only() as session:
        shown = answers.overview(session, actor=pilote, call_id=call_id)
    frame = shown.frame
    assert list(frame.columns) == ["Structure", "Réseau", "Statut de confirmation", "Répondu le", "Motif du refus"]
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        "Structure": "string", "Réseau": "string", "Statut de confirmation": "string",
        "Répondu le": "datetime64[ns, Europe/Paris]", "Motif du refus": "string"}
    assert frame["Structure"].tolist() == ["Alpha", "Bravo"]
    assert frame["Statut de confirmation"].tolist() == ["Confirmée", "Déclinée"]
    assert frame["Répondu le"][0].hour == 14  # 13:30 UTC is 14:30 in Paris in March
    assert frame["Motif du refus"].isna()[0] and frame["Motif du refus"][1] == "Indisponibles"
    assert shown.counts == {Confirmation.PENDING: 0, Confirmation.CONFIRMED: 1, Confirmation.DECLINED: 1}
    assert shown.confirm_by == DEFAULT_DEADLINE


def test_the_lead_s_view_is_hers_only(published):
    call_id, _ = published
    with read_only() as session, pytest.raises(NotAllowed):
        answers.overview(session, actor=make_user(Role.RESEAU), call_id=call_id)


# ---------------------------------------------------------------- reminders


def reminders(now, **kwargs) -> int:
    with unit_of_work() as session:
        return confirmation.queue_confirmation_reminders(session, now=now, **kwargs)


def reminder_rows() -> list[OutboxMessage]:
    with read_only() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.template_key == "confirmation_reminder")
                                    .order_by(OutboxMessage.id)))


def test_no_reminder_before_the_days_before_the_deadline_nor_after_it(published):
    assert reminders(DEFAULT_DEADLINE - timedelta(days=3, minutes=1)) == 0
    assert reminders(DEFAULT_DEADLINE) == 0
    assert reminders(DEFAULT_DEADLINE + timedelta(days=1)) == 0
    assert reminder_rows() == []


def test_a_reminder_goes_to_each_retained_one_still_unanswered_with_a_fresh_link(published):
    call_id, (a, b, *_) = published
    first = link(a)
    confirm(link(b))
    now = DEFAULT_DEADLINE - timedelta(days=2)
    assert reminders(now) == 1
    [message] = reminder_rows()
    assert (message.candidacy_id, message.call_id) == (a, call_id)
    assert message.idempotency_key == f"confirmation_reminder:{call_id}:{a}:2027-03-11"
    assert message.personal_link and message.personal_link in message.body_text
    assert "11 mars 2027 à 10 h 00" in message.body_text and "Alpha" in message.subject
    assert message.to_address == "contact@structure.exemple.fr" and message.cc_addresses.endswith(
        "@reseau.exemple.fr")
    fresh = message.personal_link.rsplit("/", 1)[-1]
    assert fresh != first
    assert peek(first, now=now).candidacy_id == a  # the first message's link keeps working
    confirm(fresh, now=now)
    with pytest.raises(LinkRefused):  # one answer: every link is used up
        confirm(first, now=now + answers.REPEAT_WINDOW)


def test_reminders_go_once_per_deadline(pilote, published):
    call_id, _ = published
    now = DEFAULT_DEADLINE - timedelta(days=2)
    assert reminders(now) == 2
    with read_only() as session:
        links_before = len(session.scalars(select(OneTimeToken)).all())
    assert reminders(now + timedelta(hours=6)) == 0  # the next run of send-mail
    with read_only() as session:
        assert len(session.scalars(select(OneTimeToken)).all()) == links_before  # no link issued for nothing
    with unit_of_work() as session:  # the deadline moves: its own reminder, when it is near
        confirmation.set_confirm_by(session, actor=pilote, call_id=call_id, confirm_by=DEFAULT_DEADLINE +
                                    timedelta(days=5), now=now)
    assert reminders(now) == 0
    assert reminders(DEFAULT_DEADLINE + timedelta(days=3)) == 2
    assert len(reminder_rows()) == 4


def test_reminders_honour_days_before(published):
    assert reminders(DEFAULT_DEADLINE - timedelta(days=5), days_before=7) == 2


def test_an_unpublished_call_gets_no_reminder(pilote):
    call_id = make_selection_call(slots=1, closed=True)
    [a] = make_candidacies(call_id, 1)
    decide(pilote, a, SELECTED)
    with unit_of_work() as session:
        confirmation.set_confirm_by(session, actor=pilote, call_id=call_id, confirm_by=NOW + timedelta(days=2),
                                    now=NOW)
    assert reminders(NOW) == 0


def test_two_answers_at_once_record_one(published):
    from tests.concurrency import race

    _, (a, *_) = published
    token = link(a)
    moment = NOW + timedelta(days=1)
    outcome = race(lambda session: answers.confirm(session, token=token, ip_address=None, now=moment),
                   lambda session: answers.decline(session, token=token, reason="Non", ip_address=None, now=moment))
    assert outcome == "LinkRefused"
    assert candidacy(a).confirmation == Confirmation.CONFIRMED and entries("pitch_declined") == []


def test_the_same_answer_sent_twice_at_once_is_answered_again_and_recorded_once(published):
    _, (a, *_) = published
    token = link(a)
    first = confirm(token)
    again = confirm(token, now=NOW + timedelta(days=1, seconds=1))  # a double click on « Je confirme »
    assert (first.candidacy_id, again.candidacy_id, again.confirmation) == (a, a, Confirmation.CONFIRMED)
    assert len(entries("pitch_confirmed")) == 1
    with pytest.raises(LinkRefused), unit_of_work() as session:  # the other answer: refused, the first stands
        answers.decline(session, token=token, reason="", ip_address=None, now=NOW + timedelta(days=1, seconds=2))
    with pytest.raises(LinkRefused):  # later, the used link is refused as any other
        confirm(token, now=NOW + timedelta(days=1) + answers.REPEAT_WINDOW)


def test_a_repeated_answer_after_the_candidacy_was_revised_is_refused(pilote, published):
    _, (a, *_) = published
    token = link(a)
    confirm(token)
    with unit_of_work() as session:
        publication.revise(session, actor=pilote, candidacy_id=a, expected_version=version(a),
                           decision="not_selected", reason="Erreur de saisie", now=NOW + timedelta(days=1))
    with pytest.raises(LinkRefused):  # within the double-click window, yet no longer retained
        confirm(token, now=NOW + timedelta(days=1, seconds=1))

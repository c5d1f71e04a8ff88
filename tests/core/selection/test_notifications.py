"""Decision messages: the edition's texts with an HTML part, the retained one's personal link,
the comments shared with the structure; a new outcome replaces the unsent messages, and the
structure hears a correction (or a promotion) only if the first one went out."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from core.accounts.tokens import hash_token
from core.mail import sending
from core.selection import decisions, notifications, publication
from db.engine import read_only, unit_of_work
from db.models import (
    Call,
    Candidacy,
    Confirmation,
    Deliberation,
    Edition,
    MailStatus,
    MailTemplate,
    OneTimeToken,
    OutboxMessage,
    Review,
    ReviewState,
    Role,
)
from tests.core.selection.builders import NOW, Spec, make_candidacies, make_selection_call, version
from tests.factories import make_user
from tests.querycount import statements_of

SELECTED, WAITLISTED, NOT_SELECTED = Deliberation.SELECTED, Deliberation.WAITLISTED, Deliberation.NOT_SELECTED
REPLACED = "Remplacé par un message plus récent (décision modifiée)"


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)


def decide(actor, candidacy_id, decision):
    with unit_of_work() as session:
        decisions.decide(session, actor=actor, candidacy_id=candidacy_id, expected_version=version(candidacy_id),
                         decision=decision)


def publish(actor, call_id):
    with read_only() as session:
        fingerprint = publication.preview(session, actor=actor, call_id=call_id).fingerprint
    with unit_of_work() as session:
        return publication.publish(session, actor=actor, call_id=call_id, fingerprint=fingerprint, now=NOW)


def revise(actor, candidacy_id, decision, **kwargs):
    with unit_of_work() as session:
        publication.revise(session, actor=actor, candidacy_id=candidacy_id, decision=decision, reason="Erreur",
                           expected_version=version(candidacy_id), now=NOW, **kwargs)


def messages(candidacy_id) -> list[OutboxMessage]:
    with read_only() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.candidacy_id == candidacy_id)
                                    .order_by(OutboxMessage.id)))


def mark(message_id, status):
    with unit_of_work() as session:
        session.get(OutboxMessage, message_id).status = status


@pytest.fixture
def scene(pilote):
    """A closed call of an edition with its venue: Alpha retained, Bravo waiting, Charlie not retained."""
    call_id = make_selection_call(slots=1, closed=True)
    with unit_of_work() as session:
        call = session.get(Call, call_id)
        edition = session.get(Edition, call.edition_id)
        edition.venue, edition.address, edition.start_time = "Hôtel de Ville", "12 boulevard Léon-Feix", time(9)
        call.pitch_minutes = 7
    ids = make_candidacies(call_id, [Spec(name="Alpha"), Spec(name="Bravo"), Spec(name="Charlie")])
    for candidacy_id, decision in zip(ids, (SELECTED, WAITLISTED, NOT_SELECTED), strict=True):
        decide(pilote, candidacy_id, decision)
    return call_id, ids


def test_retained_message_tells_where_when_and_carries_a_working_personal_link(pilote, scene):
    call_id, (alpha, *_) = scene
    publish(pilote, call_id)
    [message] = messages(alpha)
    with read_only() as session:
        call = session.get(Call, call_id)
        [token] = session.scalars(select(OneTimeToken).where(OneTimeToken.candidacy_id == alpha))
    assert call.confirm_by == NOW + timedelta(days=10)  # ten days after publication, before the edition
    assert message.call_id == call_id and message.personal_link and message.personal_link in message.body_text
    assert token.token_hash == hash_token(message.personal_link.rsplit("/", 1)[1])
    assert token.expires_at.replace(tzinfo=UTC) == call.confirm_by.replace(tzinfo=UTC) and token.used_at is None
    text = message.body_text
    assert "Hôtel de Ville, 12 boulevard Léon-Feix, Argenteuil" in text and "à partir de 09 h 00" in text
    assert "dure 7 minutes ; l'horaire précis de votre passage vous sera communiqué" in text
    assert "avant le 11 mars 2027 à 10 h 00" in text  # 09:00 UTC is 10 h 00 in Paris
    assert f'<a href="{message.personal_link}">' in message.body_html


def test_an_existing_confirmation_deadline_is_kept(pilote, scene):
    call_id, (alpha, *_) = scene
    deadline = datetime(2027, 3, 5, 17, tzinfo=UTC)
    with unit_of_work() as session:
        session.get(Call, call_id).confirm_by = deadline
    publish(pilote, call_id)
    assert "avant le 5 mars 2027 à 18 h 00" in messages(alpha)[0].body_text


def test_not_retained_message_shares_only_the_comments_meant_for_the_structure(pilote, scene):
    call_id, (*_, charlie) = scene
    reviewers = [make_user(Role.EVALUATEUR) for _ in range(3)]
    with unit_of_work() as session:
        session.add_all([
            Review(candidacy_id=charlie, reviewer_id=reviewers[0].user_id, state=ReviewState.SUBMITTED,
                   comment="Privé : pas convaincu", shared_comment="Références à étoffer."),
            Review(candidacy_id=charlie, reviewer_id=reviewers[1].user_id, state=ReviewState.DRAFT,
                   shared_comment="Brouillon jamais soumis"),
            Review(candidacy_id=charlie, reviewer_id=reviewers[2].user_id, state=ReviewState.SUBMITTED,
                   shared_comment="  "),
        ])
    publish(pilote, call_id)
    text = messages(charlie)[0].body_text
    assert "- Références à étoffer.\n" in text
    assert "Privé" not in text and "Brouillon jamais soumis" not in text


def test_the_editions_own_text_and_its_copy_setting_apply(pilote, scene):
    call_id, (_, bravo, _) = scene
    with read_only() as session:
        edition_id = session.get(Call, call_id).edition_id
    with unit_of_work() as session:
        session.add(MailTemplate(key="decision_waitlisted", label="x", subject="Tout le monde", body="Commun"))
        session.add(MailTemplate(key="decision_waitlisted", edition_id=edition_id, label="x", copy_networks=False,
                                 subject="Rang {{ rank }} : {{ structure }}", body="Propre à la rencontre"))
    publish(pilote, call_id)
    [message] = messages(bravo)
    assert (message.subject, message.body_text, message.cc_addresses) == ("Rang 1 : Bravo", "Propre à la rencontre",
                                                                           None)


def test_revision_before_sending_discards_the_first_message_and_tells_the_new_outcome_plainly(pilote, scene):
    call_id, (alpha, *_) = scene
    publish(pilote, call_id)
    revise(pilote, alpha, NOT_SELECTED)
    first, second = messages(alpha)
    assert (first.status, first.status_note, first.version) == (MailStatus.DISCARDED, REPLACED, 2)
    assert (second.status, second.template_key) == (MailStatus.QUEUED, "decision_not_selected")
    assert second.personal_link is None and "a changé" not in second.body_text
    with read_only() as session:
        [token] = session.scalars(select(OneTimeToken).where(OneTimeToken.candidacy_id == alpha))
    assert token.used_at is not None  # the link of the discarded message confirms nothing


@pytest.mark.parametrize("status", [MailStatus.DRAFT, MailStatus.FAILED])
def test_a_draft_or_failed_message_is_replaced_as_well(pilote, scene, status):
    call_id, (_, bravo, _) = scene
    publish(pilote, call_id)
    mark(messages(bravo)[0].id, status)
    revise(pilote, bravo, NOT_SELECTED)
    assert [(m.status, m.template_key) for m in messages(bravo)] == [
        (MailStatus.DISCARDED, "decision_waitlisted"), (MailStatus.QUEUED, "decision_not_selected")]


@pytest.mark.parametrize("status", [MailStatus.SENT, MailStatus.SENDING])
def test_revision_after_sending_queues_the_corrected_decision(pilote, scene, status):
    call_id, (alpha, *_) = scene
    publish(pilote, call_id)
    mark(messages(alpha)[0].id, status)
    revise(pilote, alpha, NOT_SELECTED)
    first, second = messages(alpha)
    assert first.status == status  # what went out (or may have) is history, never rewritten
    assert (second.template_key, second.status) == ("decision_revised", MailStatus.QUEUED)
    assert second.subject == "Décision modifiée : Alpha — Thème de test"
    assert "a changé depuis notre précédent message" in second.body_text
    assert "est désormais non retenue." in second.body_text and "/confirmation/" not in second.body_text


def test_a_revision_to_retained_after_sending_carries_a_new_link(pilote, scene):
    call_id, (*_, charlie) = scene
    publish(pilote, call_id)
    mark(messages(charlie)[0].id, MailStatus.SENT)
    with unit_of_work() as session:  # Alpha declined: a slot is free
        session.get(Candidacy, scene[1][0]).confirmation = Confirmation.DECLINED
    revise(pilote, charlie, SELECTED)
    corrected = messages(charlie)[-1]
    assert corrected.template_key == "decision_revised" and corrected.personal_link in corrected.body_text
    assert "est désormais retenue pour une présentation express." in corrected.body_text


def test_promotion_after_the_waiting_list_message_went_out_is_told_as_such(pilote, scene):
    call_id, (alpha, bravo, _) = scene
    publish(pilote, call_id)
    mark(messages(bravo)[0].id, MailStatus.SENT)
    with unit_of_work() as session:
        session.get(Candidacy, alpha).confirmation = Confirmation.DECLINED
    with unit_of_work() as session:
        assert publication.promote_first(session, actor=pilote, call_id=call_id, reason="Désistement") == bravo
    waiting, promoted = messages(bravo)
    assert waiting.status == MailStatus.SENT
    assert promoted.template_key == "decision_promoted" and promoted.subject.startswith("Une place s'est libérée")
    assert "qui était sur la liste d'attente, est maintenant retenue" in promoted.body_text
    assert promoted.personal_link and promoted.personal_link in promoted.body_text


def test_promotion_before_the_waiting_list_message_went_out_is_a_plain_retained_message(pilote, scene):
    call_id, (alpha, bravo, _) = scene
    publish(pilote, call_id)
    with unit_of_work() as session:
        session.get(Candidacy, alpha).confirmation = Confirmation.DECLINED
    with unit_of_work() as session:
        publication.promote_first(session, actor=pilote, call_id=call_id, reason="Désistement")
    assert [(m.status, m.template_key) for m in messages(bravo)] == [
        (MailStatus.DISCARDED, "decision_waitlisted"), (MailStatus.QUEUED, "decision_selected")]


def test_a_structure_is_never_told_both_retained_and_not_retained(pilote, scene):
    call_id, (alpha, *_) = scene
    publish(pilote, call_id)
    revise(pilote, alpha, NOT_SELECTED)
    revise(pilote, alpha, WAITLISTED, rank=1)
    outgoing = [m.template_key for m in messages(alpha) if m.status != MailStatus.DISCARDED]
    assert outgoing == ["decision_waitlisted"]


def test_queueing_again_adds_and_discards_nothing(pilote, scene):
    call_id, ids = scene
    publish(pilote, call_id)
    before = [(m.id, m.status) for i in ids for m in messages(i)]
    with unit_of_work() as session:
        assert notifications.queue(session, call_id=call_id, candidacy_ids=ids, now=NOW) == 0
    assert [(m.id, m.status) for i in ids for m in messages(i)] == before
    with read_only() as session:
        assert len(list(session.scalars(select(OneTimeToken)))) == 1  # no new link behind the queued message


def _call_with(count: int) -> tuple[int, list[int]]:
    call_id = make_selection_call(slots=2, closed=True)
    specs = [Spec(extra={"deliberation": SELECTED, "decision_version": 1}) for _ in range(2)]
    specs += [Spec(extra={"deliberation": WAITLISTED, "waitlist_rank": rank + 1, "decision_version": 1})
              for rank in range(count)]
    specs += [Spec(extra={"deliberation": NOT_SELECTED, "decision_version": 1}) for _ in range(count)]
    return call_id, make_candidacies(call_id, specs)


def test_queueing_runs_as_many_statements_for_ten_candidacies_as_for_a_hundred(db):
    def statements(count: int) -> int:
        call_id, ids = _call_with(count)
        with unit_of_work() as session:
            return statements_of(session.get_bind(),
                                 lambda: notifications.queue(session, call_id=call_id, candidacy_ids=ids, now=NOW))

    assert statements(4) == statements(49)


@pytest.mark.parametrize(("address", "city", "shown"), [
    ("Place de l'Agora, 91000 Évry-Courcouronnes", "Évry-Courcouronnes", "Place de l'Agora, 91000 Évry-Courcouronnes"),
    ("12 boulevard Léon-Feix", "Argenteuil", "12 boulevard Léon-Feix, Argenteuil"),
    (None, "Argenteuil", "Argenteuil"),
    (None, None, ""),
])
def test_the_address_names_the_city_once(address, city, shown):
    facts = notifications.CallFacts(1, 1, "Thème", 5, None, "Rencontre", NOW.date(), time(9), "Salle", address, city)
    assert facts.full_address == shown


def test_a_sender_claiming_during_a_revision_never_sends_the_replaced_outcome(postgresql_db, monkeypatch):
    """A revision before sending while `send-mail` claims the queue (PostgreSQL, two sessions):
    the first message is either sent and heard (the new one is then the corrected decision)
    or discarded, never sent beside a plain « non retenue »."""
    pilote = make_user(Role.PILOTE)
    call_id = make_selection_call(slots=1, closed=True)
    [alpha] = make_candidacies(call_id, [Spec(name="Alpha")])
    decide(pilote, alpha, SELECTED)
    publish(pilote, call_id)
    claimed: list[int] = []
    choose = notifications._template_for

    def sender_claims_meanwhile(deliberation, earlier):
        def run():
            with unit_of_work() as session:
                claimed.extend(o.id for o in sending.claim(session, now=NOW, limit=50, sender="x@openmap.fr"))
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(timeout=3)  # a sender that waits on the revision's lock is fine too
        return choose(deliberation, earlier)

    monkeypatch.setattr(notifications, "_template_for", sender_claims_meanwhile)
    revise(pilote, alpha, NOT_SELECTED)
    first, second = messages(alpha)
    if first.status == MailStatus.SENDING:
        assert second.template_key == "decision_revised"
    else:
        assert (first.status, second.template_key, claimed) == (MailStatus.DISCARDED, "decision_not_selected", [])


@pytest.mark.parametrize("retry", ["automatic", "requeued"])
def test_a_retained_message_that_failed_while_a_revision_corrected_it_is_never_sent(pilote, scene, retry):
    # It was being sent (so the revision told the correction), then the server refused it for now.
    call_id, (alpha, *_) = scene
    publish(pilote, call_id)
    [first] = messages(alpha)
    mark(first.id, MailStatus.SENDING)
    revise(pilote, alpha, NOT_SELECTED)
    with unit_of_work() as session:
        row = session.get(OutboxMessage, first.id)
        row.status = MailStatus.FAILED if retry == "automatic" else MailStatus.QUEUED
        row.next_attempt_at = NOW - timedelta(minutes=1) if retry == "automatic" else None
    with unit_of_work() as session:
        claimed = [o.id for o in sending.claim(session, now=NOW, limit=50, sender="x@openmap.fr")]
    old, correction = messages(alpha)
    assert correction.template_key == "decision_revised" and correction.id in claimed
    assert old.id not in claimed and old.status == MailStatus.DISCARDED

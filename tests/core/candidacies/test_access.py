"""A network never sees or changes another network's candidacies, whatever the entry point;
the lead and reviewers read but never write; acknowledgements once per submission; audit rows.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.candidacies import read, saving
from core.errors import DuplicateCandidacy, NotAllowed, NotFound, StaleEdit
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    CallReviewer,
    CallState,
    Candidacy,
    OutboxMessage,
    ReviewerConflict,
    Role,
    Structure,
    Submission,
)
from tests.concurrency import race
from tests.factories import complete_form, make_call, make_network, make_user

CLOSES = datetime(2027, 2, 1, 17, 0, tzinfo=UTC)
NOW = CLOSES - timedelta(days=2)



def save(actor, call_id, form, *, submit=True, now=NOW, **kwargs):
    with unit_of_work() as session:
        return saving.save(session, actor=actor, call_id=call_id, form=form, submit=submit, now=now, **kwargs)


def withdraw(actor, candidacy_id, *, expected_version, reason="Carnet de commandes plein", now=NOW):
    with unit_of_work() as session:
        saving.withdraw(session, actor=actor, candidacy_id=candidacy_id, expected_version=expected_version,
                        reason=reason, now=now)


def get(actor, candidacy_id, now=NOW):
    with read_only() as session:
        return read.get(session, actor=actor, candidacy_id=candidacy_id, now=now)


def outbox(candidacy_id: int) -> list[OutboxMessage]:
    with read_only() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.candidacy_id == candidacy_id)
                                    .order_by(OutboxMessage.id)))


def database_state(candidacy_id: int) -> tuple:
    """Everything a refused attempt must leave as it was."""
    with read_only() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        return (
            candidacy.version, candidacy.submission, candidacy.pitch_title, candidacy.network_id,
            candidacy.withdrawal_reason, candidacy.structure.name, candidacy.structure.contact_email,
            session.scalar(select(func.count()).select_from(Candidacy)),
            session.scalar(select(func.count()).select_from(AuditEntry)),
            session.scalar(select(func.count()).select_from(OutboxMessage)),
        )


@pytest.fixture
def setting(db):
    network_a, network_b, network_c = make_network("Urtie"), make_network("Initiatives 77"), make_network("Hors")
    call_id = make_call(networks=(network_a, network_b), opens_at=CLOSES - timedelta(days=30), closes_at=CLOSES)
    other_call = make_call(networks=(network_a, network_b), opens_at=CLOSES - timedelta(days=30), closes_at=CLOSES)
    a = make_user(Role.RESEAU, network_id=network_a)
    candidacy_id = save(a, call_id, complete_form())
    return {
        "call": call_id, "other_call": other_call, "candidacy": candidacy_id, "a": a,
        "a2": make_user(Role.RESEAU, network_id=network_a),
        "b": make_user(Role.RESEAU, network_id=network_b),
        "c": make_user(Role.RESEAU, network_id=network_c),
    }


# ---------------------------------------------------------------- another network


def test_get_another_networks_candidacy_is_not_found(setting):
    with pytest.raises(NotFound):
        get(setting["b"], setting["candidacy"])
    assert get(setting["a2"], setting["candidacy"]).network_name == "Urtie"  # a colleague may


def test_get_unknown_candidacy_is_not_found_like_another_networks(setting):
    with pytest.raises(NotFound) as unknown:
        get(setting["b"], setting["candidacy"] + 1000)
    with pytest.raises(NotFound) as other:
        get(setting["b"], setting["candidacy"])
    assert unknown.value.message == other.value.message  # existence does not leak


@pytest.mark.parametrize("submit", [True, False])
def test_save_with_another_networks_candidacy_id_is_not_found_and_changes_nothing(setting, submit):
    before = database_state(setting["candidacy"])
    with pytest.raises(NotFound):
        save(setting["b"], setting["call"], complete_form(name="Piraté", contact_email="pirate@exemple.fr"),
             submit=submit, candidacy_id=setting["candidacy"], expected_version=1)
    assert database_state(setting["candidacy"]) == before


def test_save_with_another_networks_candidacy_id_on_another_call_is_not_found(setting):
    before = database_state(setting["candidacy"])
    with pytest.raises(NotFound):
        save(setting["b"], setting["other_call"], complete_form(name="Piraté"), candidacy_id=setting["candidacy"],
             expected_version=1)
    assert database_state(setting["candidacy"]) == before


def test_save_own_candidacy_under_another_call_is_not_found(setting):
    before = database_state(setting["candidacy"])
    with pytest.raises(NotFound):
        save(setting["a"], setting["other_call"], complete_form(pitch_title="Déplacée"),
             candidacy_id=setting["candidacy"], expected_version=1)
    assert database_state(setting["candidacy"]) == before


def test_withdraw_another_networks_candidacy_is_not_found_and_changes_nothing(setting):
    before = database_state(setting["candidacy"])
    with pytest.raises(NotFound):
        withdraw(setting["b"], setting["candidacy"], expected_version=1)
    assert database_state(setting["candidacy"]) == before


def test_list_for_network_shows_only_own_networks_candidacies(setting):
    b_id = save(setting["b"], setting["call"], complete_form(siret="35600000009075", name="La Poste ESAT",
                                                             kind="ESAT"), submit=False)
    with read_only() as session:
        seen_by_b = read.list_for_network(session, actor=setting["b"])
        seen_by_b_on_call = read.list_for_network(session, actor=setting["b"], call_id=setting["call"])
        seen_by_a = read.list_for_network(session, actor=setting["a2"], call_id=setting["call"])
        seen_by_c = read.list_for_network(session, actor=setting["c"], call_id=setting["call"])
    assert [r.id for r in seen_by_b] == [r.id for r in seen_by_b_on_call] == [b_id]
    assert [r.id for r in seen_by_a] == [setting["candidacy"]]
    assert seen_by_c == []


def test_referent_of_network_not_invited_cannot_create(setting):
    with pytest.raises(NotFound):
        save(setting["c"], setting["call"], complete_form(siret="35600000009075", name="Autre", kind="ESAT"))
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(Candidacy)) == 1


def test_referent_of_network_not_invited_cannot_touch_an_existing_candidacy(setting):
    before = database_state(setting["candidacy"])
    with pytest.raises(NotFound):
        save(setting["c"], setting["call"], complete_form(name="Piraté"), candidacy_id=setting["candidacy"],
             expected_version=1)
    with pytest.raises(NotFound):
        withdraw(setting["c"], setting["candidacy"], expected_version=1)
    with pytest.raises(NotFound):
        get(setting["c"], setting["candidacy"])
    assert database_state(setting["candidacy"]) == before


def test_invited_referent_cannot_create_on_a_draft_call(setting):
    network_a = setting["a"].network_id
    draft = make_call(networks=(network_a,), state=CallState.DRAFT, opens_at=CLOSES - timedelta(days=30),
                      closes_at=CLOSES)
    with pytest.raises(NotFound):
        save(setting["a"], draft, complete_form(siret="35600000009075", name="Autre", kind="ESAT"))


# ---------------------------------------------------------------- lead, reviewers, admin


def name_reviewer(call_id: int, actor) -> None:
    with unit_of_work() as session:
        session.add(CallReviewer(call_id=call_id, reviewer_id=actor.user_id))


def declare_link(actor, *, network_id: int | None = None, siret: str | None = None) -> None:
    with unit_of_work() as session:
        session.add(ReviewerConflict(reviewer_id=actor.user_id, network_id=network_id, siret=siret))


@pytest.mark.parametrize("role", [Role.PILOTE, Role.EVALUATEUR])
def test_lead_and_named_reviewer_can_get_a_submitted_candidacy_read_only(setting, role):
    actor = make_user(role)
    if role == Role.EVALUATEUR:
        name_reviewer(setting["call"], actor)
    view = get(actor, setting["candidacy"])
    assert (view.network_name, view.form.name, view.form.contact_email) == (
        "Urtie", "Bâti'Insert 95", "samia@bati-insert.exemple.fr")
    assert view.editable is False
    assert get(setting["a"], setting["candidacy"]).editable is True


def test_reviewer_not_named_for_the_call_cannot_get_its_candidacy(setting):
    reviewer = make_user(Role.EVALUATEUR)
    name_reviewer(setting["other_call"], reviewer)  # she reviews another call, not this one
    with pytest.raises(NotFound):
        get(reviewer, setting["candidacy"])


@pytest.mark.parametrize("link", ["network", "siret"])
def test_reviewer_with_a_declared_link_is_never_shown_the_candidacy(setting, link):
    reviewer = make_user(Role.EVALUATEUR)
    name_reviewer(setting["call"], reviewer)
    if link == "network":
        declare_link(reviewer, network_id=setting["a"].network_id)
    else:
        declare_link(reviewer, siret="73282932000074")
    with pytest.raises(NotFound):
        get(reviewer, setting["candidacy"])
    assert get(make_user(Role.PILOTE), setting["candidacy"]).form.name == "Bâti'Insert 95"  # the lead still does


def test_named_reviewer_cannot_get_a_draft_or_withdrawn_candidacy_the_lead_can(setting):
    reviewer = make_user(Role.EVALUATEUR)
    name_reviewer(setting["call"], reviewer)
    draft_id = save(setting["a"], setting["call"], complete_form(siret="35600000009075", kind="ESAT"), submit=False)
    withdraw(setting["a"], setting["candidacy"], expected_version=1)
    for candidacy_id in (draft_id, setting["candidacy"]):
        with pytest.raises(NotFound):
            get(reviewer, candidacy_id)
        assert get(make_user(Role.PILOTE), candidacy_id).editable is False


@pytest.mark.parametrize("role", [Role.PILOTE, Role.EVALUATEUR, Role.ADMIN])
def test_staff_cannot_save_or_withdraw_a_candidacy(setting, role):
    actor = make_user(role)
    before = database_state(setting["candidacy"])
    with pytest.raises(NotAllowed):
        save(actor, setting["call"], complete_form(pitch_title="Par le pilotage"), candidacy_id=setting["candidacy"],
             expected_version=1)
    with pytest.raises(NotAllowed):
        save(actor, setting["call"], complete_form(siret="35600000009075", name="Autre", kind="ESAT"))
    with pytest.raises(NotAllowed):
        withdraw(actor, setting["candidacy"], expected_version=1)
    with pytest.raises(NotAllowed), read_only() as session:
        read.list_for_network(session, actor=actor)
    assert database_state(setting["candidacy"]) == before


def test_admin_cannot_view_a_candidacy(setting):
    with pytest.raises((NotAllowed, NotFound)):
        get(make_user(Role.ADMIN), setting["candidacy"])


# ---------------------------------------------------------------- acknowledgements


def test_submit_twice_in_a_row_queues_one_acknowledgement(setting):
    draft_id = save(setting["a"], setting["call"], complete_form(siret="35600000009075", kind="ESAT"), submit=False)
    assert outbox(draft_id) == []
    save(setting["a"], setting["call"], complete_form(siret="35600000009075", kind="ESAT"), candidacy_id=draft_id,
         expected_version=1, now=NOW)
    # The second click carries the version the page had loaded: refused, nothing queued.
    with pytest.raises(StaleEdit):
        save(setting["a"], setting["call"], complete_form(siret="35600000009075", kind="ESAT"),
             candidacy_id=draft_id, expected_version=1, now=NOW + timedelta(seconds=1))
    # A later "Déposer" on the already submitted candidacy is an edit, not a new submission.
    save(setting["a"], setting["call"], complete_form(siret="35600000009075", kind="ESAT"), candidacy_id=draft_id,
         expected_version=2, now=NOW + timedelta(seconds=2))
    [message] = outbox(draft_id)
    assert message.to_address == setting["a"].email and "Bâti'Insert 95" in message.subject


def test_submit_twice_as_new_candidacy_queues_one_acknowledgement(setting):
    form = complete_form(siret="35600000009075", kind="ESAT")
    first = save(setting["a"], setting["call"], form)
    with pytest.raises(DuplicateCandidacy):  # the same structure cannot be proposed twice to a call
        save(setting["a"], setting["call"], form, now=NOW + timedelta(seconds=1))
    assert len(outbox(first)) == 1
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2  # this one and the fixture's


def test_concurrent_double_click_submits_once(setting):
    """Two requests racing with the same version: one wins, the other is stale (never both)."""
    form = complete_form(siret="35600000009075", kind="ESAT")
    draft_id = save(setting["a"], setting["call"], form, submit=False)

    def click(now):
        return lambda session: saving.save(session, actor=setting["a"], call_id=setting["call"], form=form,
                                           submit=True, candidacy_id=draft_id, expected_version=1, now=now)

    outcome = race(click(NOW), click(NOW + timedelta(seconds=1)))
    assert outcome == "StaleEdit"
    assert len(outbox(draft_id)) == 1
    with read_only() as session:
        candidacy = session.get(Candidacy, draft_id)
        assert (candidacy.version, candidacy.submitted_at) == (2, NOW)


def test_two_networks_proposing_the_same_new_structure_at_once_one_wins_the_other_is_refused_in_french(setting):
    """Both insert the new SIRET: the second waits on the first's row, then is refused with a
    French message (found by the browser test of twenty writers: it was an IntegrityError,
    raised by the autoflush of the sectors' query, outside the guarded flush)."""
    form = complete_form(siret="35600000009075", kind="ESAT", name="Atelier Poste")

    def propose(actor):
        return lambda session: saving.save(session, actor=actor, call_id=setting["call"], form=form, submit=True,
                                           now=NOW)

    outcome = race(propose(setting["a"]), propose(setting["b"]))
    assert outcome in ("StaleEdit", "DuplicateCandidacy")  # PostgreSQL: StaleEdit; SQLite serialises the two
    with read_only() as session:
        networks = session.scalars(select(Candidacy.network_id).join(Candidacy.structure)
                                   .where(Candidacy.call_id == setting["call"], Structure.siret == "35600000009075"))
        assert list(networks) == [setting["a"].network_id]


def test_withdrawn_then_resubmitted_candidacy_gets_a_second_acknowledgement(setting):
    candidacy_id = setting["candidacy"]
    withdraw(setting["a"], candidacy_id, expected_version=1, now=NOW + timedelta(hours=1))
    save(setting["a"], setting["call"], complete_form(), candidacy_id=candidacy_id, expected_version=2,
         now=NOW + timedelta(hours=2))
    messages = outbox(candidacy_id)
    assert len(messages) == 2
    assert messages[0].idempotency_key != messages[1].idempotency_key
    with read_only() as session:
        candidacy = session.get(Candidacy, candidacy_id)
    assert candidacy.submission == Submission.SUBMITTED and candidacy.submitted_at == NOW + timedelta(hours=2)
    assert candidacy.withdrawal_reason is None and candidacy.withdrawn_at is None


# ---------------------------------------------------------------- audit


def test_audit_rows_carry_before_and_after_of_each_change(setting):
    a, call_id = setting["a"], setting["call"]
    form = complete_form(siret="35600000009075", kind="ESAT", name="Atelier Poste")
    candidacy_id = save(a, call_id, form, submit=False)
    save(a, call_id, complete_form(siret="35600000009075", kind="ESAT", name="Atelier Poste 95",
                                   pitch_title="Tri du courrier"),
         submit=False, candidacy_id=candidacy_id, expected_version=1)
    save(setting["a2"], call_id, complete_form(siret="35600000009075", kind="ESAT", name="Atelier Poste 95",
                                               pitch_title="Tri du courrier"),
         candidacy_id=candidacy_id, expected_version=2)
    withdraw(a, candidacy_id, expected_version=3, reason="Plus disponible")
    with read_only() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.object_type == "candidacy",
                                                                AuditEntry.object_id == candidacy_id)
                                       .order_by(AuditEntry.id)))
    assert [e.action for e in entries] == [
        "candidacy_created", "candidacy_updated", "candidacy_submitted", "candidacy_withdrawn"]
    created, updated, submitted, withdrawn = entries
    assert all(e.network_id == a.network_id for e in entries)
    assert [e.actor_id for e in entries] == [a.user_id, a.user_id, setting["a2"].user_id, a.user_id]

    assert created.before is None
    assert created.after["submission"] == "draft" and created.after["structure.name"] == "Atelier Poste"
    assert created.after["structure.siret"] == "35600000009075"
    assert created.after["pitch_title"] == "Second œuvre en insertion"

    assert updated.before["structure.name"] == "Atelier Poste" and updated.after["structure.name"] == "Atelier Poste 95"
    assert updated.before["pitch_title"] == "Second œuvre en insertion"
    assert updated.after["pitch_title"] == "Tri du courrier"
    assert updated.before["submission"] == updated.after["submission"] == "draft"

    assert submitted.before["submission"] == "draft" and submitted.after["submission"] == "submitted"

    assert withdrawn.before["submission"] == "submitted" and withdrawn.after["submission"] == "withdrawn"
    assert withdrawn.before["withdrawal_reason"] is None and withdrawn.after["withdrawal_reason"] == "Plus disponible"


def test_refused_attempts_leave_no_audit_row(setting):
    with pytest.raises(NotFound):
        save(setting["b"], setting["call"], complete_form(name="Piraté"), candidacy_id=setting["candidacy"],
             expected_version=1)
    with pytest.raises(NotFound):
        withdraw(setting["b"], setting["candidacy"], expected_version=1)
    with read_only() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions == ["candidacy_submitted"]

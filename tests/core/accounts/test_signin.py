"""Sign-in: right and wrong passwords, unusable accounts, the lockout and its window."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.errors import SignInFailed, TooManyAttempts
from db.engine import read_only
from db.models import Role, SignInSession
from tests.core.accounts.support import (
    IP,
    audit_rows,
    live_actor,
    set_network_active,
    sign_in,
    user_row,
)
from tests.factories import PASSWORD, make_user


def test_sign_in_with_right_password_opens_a_live_session(db):
    actor = make_user(Role.PILOTE)
    outcome = sign_in(actor.email)
    assert outcome.error is None
    assert outcome.actor.user_id == actor.user_id and outcome.actor.role == Role.PILOTE
    assert live_actor(outcome.token).email == actor.email
    assert [row.actor_id for row in audit_rows("sign_in")] == [actor.user_id]
    assert user_row(actor.user_id).last_sign_in_at is not None


def test_sign_in_email_is_case_and_space_insensitive(db):
    actor = make_user(Role.PILOTE, email="marie.curie@exemple.fr")
    outcome = sign_in("  Marie.CURIE@Exemple.FR ")
    assert outcome.error is None and outcome.actor.user_id == actor.user_id


def test_sign_in_with_wrong_password_is_refused_and_audited(db):
    actor = make_user(Role.PILOTE)
    outcome = sign_in(actor.email, "pas-le-bon-mot-de-passe")
    assert outcome.token is None and outcome.actor is None
    assert isinstance(outcome.error, SignInFailed)
    assert outcome.error.message == "Adresse e-mail ou mot de passe incorrect."
    failed = audit_rows("sign_in_failed")
    assert len(failed) == 1 and failed[0].object_id == actor.user_id and failed[0].ip_address == IP
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(SignInSession)) == 0


def test_sign_in_unknown_account_gives_the_wrong_password_message(db):
    make_user(Role.PILOTE, email="connu@exemple.fr")
    unknown = sign_in("inconnu@exemple.fr", PASSWORD)
    wrong = sign_in("connu@exemple.fr", "pas-le-bon-mot-de-passe")
    assert isinstance(unknown.error, SignInFailed) and unknown.token is None
    assert unknown.error.message == wrong.error.message
    rows = audit_rows("sign_in_failed")
    assert [row.actor_label for row in rows] == ["inconnu@exemple.fr", "connu@exemple.fr"]
    assert rows[0].object_id is None


def test_sign_in_inactive_account_is_refused_even_with_right_password(db):
    actor = make_user(Role.PILOTE, active=False)
    outcome = sign_in(actor.email)
    assert isinstance(outcome.error, SignInFailed) and outcome.token is None


def test_sign_in_pending_account_without_password_is_refused(db):
    actor = make_user(Role.EVALUATEUR, password=False)
    for attempt in ("", PASSWORD, "openmap-no-such-account"):
        outcome = sign_in(actor.email, attempt)
        assert isinstance(outcome.error, SignInFailed), attempt


def test_sign_in_after_five_failures_is_locked_even_with_right_password(db):
    actor = make_user(Role.PILOTE)
    for _ in range(5):
        assert isinstance(sign_in(actor.email, "mauvais-mot-de-passe").error, SignInFailed)
    outcome = sign_in(actor.email, PASSWORD)
    assert isinstance(outcome.error, TooManyAttempts) and outcome.token is None
    assert "15 minutes" in outcome.error.message
    assert len(audit_rows("sign_in_locked")) == 1


def test_sign_in_four_failures_do_not_lock(db):
    actor = make_user(Role.PILOTE)
    for _ in range(4):
        sign_in(actor.email, "mauvais-mot-de-passe")
    assert sign_in(actor.email).error is None


def test_sign_in_lockout_counts_unknown_accounts_too(db):
    for _ in range(5):
        sign_in("personne@exemple.fr", "devine")
    assert isinstance(sign_in("personne@exemple.fr", "devine").error, TooManyAttempts)


def test_sign_in_lockout_is_per_address_another_ip_is_not_locked(db):
    actor = make_user(Role.PILOTE)
    for _ in range(5):
        sign_in(actor.email, "mauvais-mot-de-passe", ip="198.51.100.1")
    assert isinstance(sign_in(actor.email, ip="198.51.100.1").error, TooManyAttempts)
    assert sign_in(actor.email, ip="198.51.100.2").error is None


def test_sign_in_lockout_ends_after_fifteen_minutes(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
    for second in range(5):
        sign_in(actor.email, "mauvais-mot-de-passe", now=start + timedelta(seconds=second))
    last_failure = start + timedelta(seconds=4)
    assert isinstance(sign_in(actor.email, now=last_failure + timedelta(minutes=14)).error, TooManyAttempts)
    assert sign_in(actor.email, now=last_failure + timedelta(minutes=15)).error is None


def test_sign_in_success_clears_the_failures(db):
    actor = make_user(Role.PILOTE)
    for _ in range(4):
        sign_in(actor.email, "mauvais-mot-de-passe")
    assert sign_in(actor.email).error is None
    for _ in range(4):
        sign_in(actor.email, "mauvais-mot-de-passe")
    # Eight failures in the window, but the success in between reset the count.
    assert sign_in(actor.email).error is None


def test_sign_in_referent_of_a_deactivated_network_is_refused_like_a_wrong_password(db):
    referent = make_user(Role.RESEAU)
    set_network_active(referent.network_id, False)
    outcome = sign_in(referent.email, PASSWORD)
    wrong = sign_in(referent.email, "pas-le-bon-mot-de-passe")
    assert isinstance(outcome.error, SignInFailed) and outcome.token is None and outcome.actor is None
    assert outcome.error.message == wrong.error.message == "Adresse e-mail ou mot de passe incorrect."
    refused, _wrong = audit_rows("sign_in_failed")
    assert refused.object_id == referent.user_id and refused.ip_address == IP
    assert refused.detail == "réseau désactivé"
    assert audit_rows("sign_in") == []
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(SignInSession)) == 0
    set_network_active(referent.network_id, True)
    assert sign_in(referent.email).error is None

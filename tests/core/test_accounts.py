"""Accounts: sign-in and lockout, sessions, invitations, password resets, administration.

Every test runs on SQLite and on PostgreSQL (the `db` fixture), through the real
use cases and a real database.
"""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from core import accounts
from core.errors import (
    DomainError,
    InvalidLink,
    NotAllowed,
    NotFound,
    SignInFailed,
    StaleEdit,
    TooManyAttempts,
    ValidationFailed,
)
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    Base,
    Network,
    OneTimeToken,
    OutboxMessage,
    Role,
    SignInSession,
    User,
)
from tests.concurrency import race
from tests.factories import PASSWORD, make_network, make_session_token, make_user

IP = "203.0.113.7"
NEW_PASSWORD = "un-nouveau-secret-42"


def sign_in(email, password=PASSWORD, *, ip=IP, now=None):
    with unit_of_work() as session:
        return accounts.sign_in(session, email=email, password=password, ip_address=ip, now=now)


def live_actor(token, *, now=None):
    with read_only() as session:
        return accounts.check_session(session, token, now=now).actor


def loaded(query) -> list:
    """Rows of a query, detached with their values (read_only() rolls back, which expires)."""
    with read_only() as session:
        rows = list(session.scalars(query))
        session.expunge_all()
    return rows


def audit_rows(action: str) -> list[AuditEntry]:
    return loaded(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))


def outbox() -> list[OutboxMessage]:
    return loaded(select(OutboxMessage).order_by(OutboxMessage.id))


def invite(actor, email="nouvelle.personne@exemple.fr", *, role=Role.EVALUATEUR, network_id=None,
           full_name="Nouvelle Personne", now=None):
    with unit_of_work() as session:
        return accounts.invite(session, actor=actor, email=email, full_name=full_name, role=role,
                               network_id=network_id, now=now)


def use_link(url_or_token, password=NEW_PASSWORD, confirmation=None, *, now=None):
    token = url_or_token.rsplit("/", 1)[-1]
    with unit_of_work() as session:
        return accounts.use_link(session, token=token, password=password,
                                 password_confirmation=password if confirmation is None else confirmation,
                                 ip_address=IP, now=now)


def user_row(user_id) -> User:
    [user] = loaded(select(User).where(User.id == user_id))
    return user


def field_errors(callable_, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        callable_(*args, **kwargs)
    return caught.value.errors


# ---------------------------------------------------------------- sign-in


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
    start = datetime(2030, 1, 10, 9, 0, tzinfo=timezone.utc)
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


# ---------------------------------------------------------------- sessions


def test_check_session_unknown_or_missing_token_is_nobody(db):
    actor = make_user(Role.PILOTE)
    real = make_session_token(actor)
    assert live_actor(real).user_id == actor.user_id
    assert live_actor(real + "x") is None
    assert live_actor("jeton-fabrique") is None
    assert live_actor("") is None
    assert live_actor(None) is None


def test_check_session_accepts_the_stored_hash_only_as_a_hash(db):
    actor = make_user(Role.PILOTE)
    token = make_session_token(actor)
    # Someone who reads the table gets the digest; presenting it as a cookie must fail.
    assert live_actor(accounts.hash_token(token)) is None


def test_sign_out_revokes_the_session(db):
    actor = make_user(Role.PILOTE)
    token = sign_in(actor.email).token
    other = sign_in(actor.email).token
    with unit_of_work() as session:
        accounts.sign_out(session, token)
    assert live_actor(token) is None
    assert live_actor(other) is not None  # only the session signed out from ends
    assert [row.actor_id for row in audit_rows("sign_out")] == [actor.user_id]


def test_sign_out_with_unknown_token_changes_nothing(db):
    with unit_of_work() as session:
        accounts.sign_out(session, "jeton-inconnu")
        accounts.sign_out(session, None)
    assert audit_rows("sign_out") == []


def set_network_active(network_id, active):
    with unit_of_work() as session:
        session.get(Network, network_id).active = active


def test_check_session_referent_of_a_deactivated_network_is_nobody(db):
    referent = make_user(Role.RESEAU)
    token = sign_in(referent.email).token
    assert live_actor(token).network_id == referent.network_id
    set_network_active(referent.network_id, False)
    assert live_actor(token) is None
    with read_only() as session:
        check = accounts.check_session(session, token)
    assert (check.actor, check.session_id, check.needs_touch) == (None, None, False)


def test_check_session_deactivating_a_network_leaves_other_accounts_signed_in(db):
    referent = make_user(Role.RESEAU)
    other_referent = make_user(Role.RESEAU)  # another network
    pilote = make_user(Role.PILOTE)
    other_token, pilote_token = make_session_token(other_referent), make_session_token(pilote)
    set_network_active(referent.network_id, False)
    assert live_actor(other_token).user_id == other_referent.user_id
    assert live_actor(pilote_token).user_id == pilote.user_id


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


def test_check_session_expires_after_twelve_idle_hours(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 1, 10, 9, 0, tzinfo=timezone.utc)
    token = sign_in(actor.email, now=start).token
    assert live_actor(token, now=start + timedelta(hours=11, minutes=59)) is not None
    assert live_actor(token, now=start + timedelta(hours=12, seconds=1)) is None


def test_touch_session_pushes_the_idle_expiry_back(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 1, 10, 9, 0, tzinfo=timezone.utc)
    token = sign_in(actor.email, now=start).token
    with read_only() as session:
        check = accounts.check_session(session, token, now=start + timedelta(hours=10))
    assert check.needs_touch
    with unit_of_work() as session:
        accounts.touch_session(session, check.session_id, now=start + timedelta(hours=10))
    assert live_actor(token, now=start + timedelta(hours=21)) is not None
    assert live_actor(token, now=start + timedelta(hours=22, seconds=1)) is None


def test_update_account_deactivation_kills_sessions_for_good(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PILOTE)
    token = sign_in(person.email).token
    with unit_of_work() as session:
        accounts.update_account(session, actor=admin, user_id=person.user_id, expected_version=1,
                                role=Role.PILOTE, network_id=None, active=False)
    assert live_actor(token) is None
    with unit_of_work() as session:
        accounts.update_account(session, actor=admin, user_id=person.user_id, expected_version=2,
                                role=Role.PILOTE, network_id=None, active=True)
    # Reactivation does not bring the old session back: it was revoked, not just hidden.
    assert live_actor(token) is None
    assert sign_in(person.email).error is None


def test_update_account_concurrent_saves_with_one_version_keep_the_first(db):
    """Two administrators save the same account from the same loaded version at once: the
    second is refused as stale (the row is locked while the first saves), never both applied."""
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PILOTE)

    def save(role, active):
        return lambda session: accounts.update_account(
            session, actor=admin, user_id=person.user_id, expected_version=1, role=role, network_id=None,
            active=active)

    assert race(save(Role.EVALUATEUR, True), save(Role.PILOTE, False)) == "StaleEdit"
    user = user_row(person.user_id)
    assert (user.role, user.active, user.version) == (Role.EVALUATEUR, True, 2)
    assert len(audit_rows("account_updated")) == 1


def test_session_token_is_stored_only_as_its_sha256(db):
    actor = make_user(Role.PILOTE)
    token = sign_in(actor.email).token
    with read_only() as session:
        stored = session.scalars(select(SignInSession.token_hash)).all()
        assert stored == [accounts.hash_token(token)]
        assert len(stored[0]) == 64
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert token not in repr(tuple(row)), table.name


# ---------------------------------------------------------------- invitations


def test_invite_creates_pending_user_outbox_message_and_audit_row(db):
    admin = make_user(Role.ADMIN)
    network_id = make_network("Réseau Essonne")
    issued = invite(admin, "Referente@Exemple.fr", role=Role.RESEAU, network_id=network_id,
                    full_name="Référente Essonne")
    assert issued.email == "referente@exemple.fr"
    assert issued.url.startswith("http://testserver/lien/")
    user = user_row(issued.user_id)
    assert user.password_hash is None and user.active and user.role == Role.RESEAU
    assert user.network_id == network_id
    [message] = outbox()
    assert message.id == issued.outbox_id and message.template_key == "invitation"
    assert message.to_address == "referente@exemple.fr" and message.user_id == issued.user_id
    assert message.subject == "Votre accès à OpenMap candidatures"
    assert issued.url in message.body_text
    assert "Bonjour Référente Essonne" in message.body_text and "Réseau Essonne" in message.body_text
    [entry] = audit_rows("account_invited")
    assert entry.actor_id == admin.user_id and entry.object_id == issued.user_id
    assert entry.after == {"email": "referente@exemple.fr", "full_name": "Référente Essonne",
                           "role": "reseau", "network_id": network_id}


def test_invite_link_works_once(db):
    admin = make_user(Role.ADMIN)
    issued = invite(admin)
    token, actor = use_link(issued.url)
    assert actor.user_id == issued.user_id and live_actor(token).user_id == issued.user_id
    assert sign_in(issued.email, NEW_PASSWORD).error is None
    [entry] = audit_rows("password_set")
    assert entry.detail == "invitation"
    with pytest.raises(InvalidLink):
        use_link(issued.url, "encore-un-autre-secret")
    assert sign_in(issued.email, "encore-un-autre-secret").error is not None


def test_invite_link_expires_after_seven_days(db):
    admin = make_user(Role.ADMIN)
    start = datetime(2030, 3, 1, 8, 0, tzinfo=timezone.utc)
    issued = invite(admin, now=start)
    assert issued.expires_at == start + timedelta(days=7)
    with pytest.raises(InvalidLink):
        use_link(issued.url, now=start + timedelta(days=7))
    with read_only() as session:
        with pytest.raises(InvalidLink):
            accounts.peek_link(session, issued.url.rsplit("/", 1)[-1], now=start + timedelta(days=7, seconds=1))
    use_link(issued.url, now=start + timedelta(days=6, hours=23))


def test_invite_again_pending_user_is_refused_and_keeps_the_first_link(db):
    admin = make_user(Role.ADMIN)
    sent = datetime(2030, 3, 1, 8, 0, tzinfo=timezone.utc)
    first = invite(admin, now=sent)
    errors = field_errors(invite, admin, "NOUVELLE.personne@exemple.fr", role=Role.PILOTE, full_name="Autre Nom",
                          now=sent + timedelta(days=1))
    assert errors == {"email": (
        "Une invitation est déjà en attente pour cette adresse (envoyée le 1er mars 2030 à 09 h 00). "
        "Pour envoyer un nouveau lien, utilisez « Renvoyer le lien d'invitation » sous « Invitations en attente ».")}
    user = user_row(first.user_id)
    assert (user.full_name, user.role) == ("Nouvelle Personne", Role.EVALUATEUR)
    assert len(outbox()) == 1 and len(audit_rows("account_invited")) == 1
    use_link(first.url, now=sent + timedelta(days=1))  # the first link still works


def test_invite_again_pending_user_names_the_latest_link_sent(db):
    admin = make_user(Role.ADMIN)
    first = invite(admin, now=datetime(2030, 3, 1, 8, 0, tzinfo=timezone.utc))
    resend(admin, first.user_id, now=datetime(2030, 3, 4, 15, 30, tzinfo=timezone.utc))
    errors = field_errors(invite, admin, first.email)
    assert "(envoyée le 4 mars 2030 à 16 h 30)" in errors["email"]


# ---------------------------------------------------------------- sending an invitation again


def resend(actor, user_id, *, now=None):
    with unit_of_work() as session:
        return accounts.resend_invitation(session, actor=actor, user_id=user_id, now=now)


def test_resend_invitation_sends_a_fresh_link_and_ends_the_first(db):
    admin = make_user(Role.ADMIN)
    network_id = make_network("Réseau Essonne")
    first = invite(admin, role=Role.RESEAU, network_id=network_id)
    again = resend(admin, first.user_id)
    assert (again.user_id, again.email) == (first.user_id, first.email) and again.url != first.url
    with pytest.raises(InvalidLink):
        use_link(first.url)
    invitation, resent = outbox()
    assert resent.id == again.outbox_id and resent.template_key == "invitation" == invitation.template_key
    assert again.url in resent.body_text and "Réseau Essonne" in resent.body_text
    [entry] = audit_rows("invitation_resent")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (admin.user_id, "user", first.user_id)
    user = user_row(first.user_id)
    assert (user.full_name, user.role, user.network_id) == ("Nouvelle Personne", Role.RESEAU, network_id)
    use_link(again.url)


def test_resend_invitation_of_an_account_with_a_password_is_refused(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.EVALUATEUR)
    with pytest.raises(DomainError) as caught:
        resend(admin, person.user_id)
    assert caught.value.message == (
        "Ce compte a déjà choisi son mot de passe : créez plutôt un lien de réinitialisation du mot de passe.")
    assert outbox() == []


def test_resend_invitation_of_a_deactivated_account_is_refused(db):
    admin = make_user(Role.ADMIN)
    issued = invite(admin)
    update(admin, issued.user_id, version=1, role=Role.EVALUATEUR, active=False)
    with pytest.raises(DomainError) as caught:
        resend(admin, issued.user_id)
    assert caught.value.message == "Ce compte est désactivé : réactivez-le avant de renvoyer l'invitation."
    assert len(outbox()) == 1


def test_resend_invitation_by_pilote_of_a_reviewer_is_allowed(db):
    issued = invite(make_user(Role.ADMIN))
    assert resend(make_user(Role.PILOTE), issued.user_id).email == issued.email


def test_resend_invitation_by_pilote_of_staff_is_not_allowed(db):
    issued = invite(make_user(Role.ADMIN), role=Role.ADMIN)
    with pytest.raises(NotAllowed):
        resend(make_user(Role.PILOTE), issued.user_id)
    use_link(issued.url)


@pytest.mark.parametrize("role", [Role.RESEAU, Role.EVALUATEUR])
def test_resend_invitation_by_reseau_or_evaluateur_is_not_allowed(db, role):
    issued = invite(make_user(Role.ADMIN))
    with pytest.raises(NotAllowed):
        resend(make_user(role), issued.user_id)


def test_resend_invitation_of_an_unknown_account_is_not_found(db):
    with pytest.raises(NotFound):
        resend(make_user(Role.ADMIN), 987654)


def test_invite_existing_account_with_password_is_refused_on_email(db):
    admin = make_user(Role.ADMIN)
    make_user(Role.PILOTE, email="deja@exemple.fr")
    errors = field_errors(invite, admin, "DEJA@exemple.fr")
    assert errors == {"email": "Un compte existe déjà avec cette adresse e-mail."}
    assert outbox() == []


def test_invite_bad_email_and_missing_name_are_reported_per_field(db):
    admin = make_user(Role.ADMIN)
    errors = field_errors(invite, admin, "pas-une-adresse", full_name="  ")
    assert set(errors) == {"email", "full_name"}
    assert "@" in errors["email"] and "obligatoire" in errors["full_name"]


def test_invite_referent_requires_a_network(db):
    admin = make_user(Role.ADMIN)
    errors = field_errors(invite, admin, role=Role.RESEAU, network_id=None)
    assert errors == {"network_id": "Choisissez le réseau de ce référent."}
    errors = field_errors(invite, admin, role=Role.RESEAU, network_id=987654)
    assert set(errors) == {"network_id"}
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1  # the admin only


def test_invite_non_referent_drops_the_network(db):
    admin = make_user(Role.ADMIN)
    issued = invite(admin, role=Role.EVALUATEUR, network_id=make_network())
    assert user_row(issued.user_id).network_id is None


@pytest.mark.parametrize("role", [Role.RESEAU, Role.EVALUATEUR])
def test_invite_by_pilote_of_reseau_or_evaluateur_is_allowed(db, role):
    pilote = make_user(Role.PILOTE)
    network_id = make_network() if role == Role.RESEAU else None
    issued = invite(pilote, role=role, network_id=network_id)
    assert user_row(issued.user_id).role == role


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PILOTE])
def test_invite_by_pilote_of_staff_is_not_allowed(db, role):
    pilote = make_user(Role.PILOTE)
    with pytest.raises(NotAllowed):
        invite(pilote, role=role)
    assert outbox() == []


def test_invite_by_pilote_cannot_take_over_a_pending_staff_invitation(db):
    admin = make_user(Role.ADMIN)
    pending_admin = invite(admin, "future.admin@exemple.fr", role=Role.ADMIN)
    with pytest.raises(NotAllowed):
        invite(make_user(Role.PILOTE), "future.admin@exemple.fr", role=Role.EVALUATEUR)
    assert user_row(pending_admin.user_id).role == Role.ADMIN
    use_link(pending_admin.url)  # the administrator's link still works


def test_invite_by_pilote_cannot_reactivate_a_deactivated_pending_account(db):
    admin = make_user(Role.ADMIN)
    issued = invite(admin)
    update(admin, issued.user_id, version=1, role=Role.EVALUATEUR, active=False)
    with pytest.raises(NotAllowed):
        invite(make_user(Role.PILOTE), issued.email)
    assert user_row(issued.user_id).active is False
    invite(admin, issued.email)  # an administrator may
    assert user_row(issued.user_id).active is True


@pytest.mark.parametrize("inviter_role", [Role.RESEAU, Role.EVALUATEUR])
def test_invite_by_reseau_or_evaluateur_is_not_allowed(db, inviter_role):
    someone = make_user(inviter_role)
    with pytest.raises(NotAllowed):
        invite(someone, role=Role.EVALUATEUR)
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(User).where(User.password_hash.is_(None))) == 0


def test_use_link_unknown_or_empty_token_is_invalid(db):
    with pytest.raises(InvalidLink):
        use_link("jeton-inconnu")
    with unit_of_work() as session, pytest.raises(InvalidLink):
        accounts.use_link(session, token=None, password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD,
                          ip_address=IP)


def test_use_link_of_deactivated_account_is_invalid(db):
    admin = make_user(Role.ADMIN)
    issued = invite(admin)
    with unit_of_work() as session:
        accounts.update_account(session, actor=admin, user_id=issued.user_id, expected_version=1,
                                role=Role.EVALUATEUR, network_id=None, active=False)
    with pytest.raises(InvalidLink):
        use_link(issued.url)


def test_link_token_is_stored_only_as_its_sha256(db):
    admin = make_user(Role.ADMIN)
    issued = invite(admin)
    token = issued.url.rsplit("/", 1)[-1]
    with read_only() as session:
        assert session.scalars(select(OneTimeToken.token_hash)).all() == [accounts.hash_token(token)]


# ---------------------------------------------------------------- password reset


def test_request_password_reset_unknown_email_queues_nothing_but_is_audited(db):
    with unit_of_work() as session:
        accounts.request_password_reset(session, email="Inconnu@Exemple.fr", ip_address=IP)
    assert outbox() == []
    [entry] = audit_rows("password_reset_requested")
    assert entry.actor_label == "inconnu@exemple.fr" and entry.object_id is None and entry.ip_address == IP
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(OneTimeToken)) == 0


def test_request_password_reset_inactive_account_queues_nothing(db):
    actor = make_user(Role.PILOTE, active=False)
    with unit_of_work() as session:
        accounts.request_password_reset(session, email=actor.email, ip_address=IP)
    assert outbox() == []


def test_request_password_reset_known_email_queues_a_link(db):
    actor = make_user(Role.PILOTE)
    with unit_of_work() as session:
        accounts.request_password_reset(session, email=actor.email.upper(), ip_address=IP)
    [message] = outbox()
    assert message.template_key == "password_reset" and message.to_address == actor.email
    assert message.subject == "Réinitialisation de votre mot de passe OpenMap"
    assert "http://testserver/lien/" in message.body_text
    [entry] = audit_rows("password_reset_requested")
    assert entry.object_id == actor.user_id


def reset_link_for(actor, *, now=None) -> str:
    with unit_of_work() as session:
        accounts.request_password_reset(session, email=actor.email, ip_address=IP, now=now)
    body = outbox()[-1].body_text
    return next(word for word in body.split() if "/lien/" in word)


def test_request_password_reset_at_most_three_links_per_hour_and_the_last_one_keeps_working(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 3, 1, 8, 0, tzinfo=timezone.utc)
    links = [reset_link_for(actor, now=start + timedelta(minutes=i)) for i in range(3)]
    assert len(set(links)) == 3 and len(outbox()) == 3
    for minute in (3, 30, 59):  # flooding within the hour: audited, nothing queued
        assert reset_link_for(actor, now=start + timedelta(minutes=minute)) == links[-1]
    assert len(outbox()) == 3
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(OneTimeToken)) == 3
    entries = audit_rows("password_reset_requested")
    assert [e.detail for e in entries] == [None] * 3 + ["trop de demandes"] * 3
    assert {e.object_id for e in entries} == {actor.user_id} and entries[-1].ip_address == IP
    # The refused requests did not invalidate the link already sent.
    token, _ = use_link(links[-1], now=start + timedelta(minutes=60))
    assert live_actor(token, now=start + timedelta(minutes=60)).user_id == actor.user_id


def test_request_password_reset_limit_slides_with_the_hour(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 3, 1, 8, 0, tzinfo=timezone.utc)
    for minute in (0, 10, 20):
        reset_link_for(actor, now=start + timedelta(minutes=minute))
    reset_link_for(actor, now=start + timedelta(minutes=59, seconds=59))
    assert len(outbox()) == 3
    fresh = reset_link_for(actor, now=start + timedelta(minutes=60))  # the first one is an hour old
    assert len(outbox()) == 4
    use_link(fresh, now=start + timedelta(minutes=61))


def test_request_password_reset_limit_is_per_account(db):
    first, second = make_user(Role.PILOTE), make_user(Role.PILOTE)
    for _ in range(4):
        reset_link_for(first)
    reset_link_for(second)
    assert [m.to_address for m in outbox()] == [first.email] * 3 + [second.email]


def test_use_link_reset_sets_password_and_revokes_other_sessions(db):
    actor = make_user(Role.PILOTE)
    old_session = sign_in(actor.email).token
    token, _ = use_link(reset_link_for(actor))
    assert live_actor(old_session) is None
    assert live_actor(token).user_id == actor.user_id
    assert sign_in(actor.email, PASSWORD).error is not None
    assert sign_in(actor.email, NEW_PASSWORD).error is None
    assert audit_rows("password_set")[0].detail == "réinitialisation"


def test_use_link_reset_expires_after_twenty_four_hours(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 3, 1, 8, 0, tzinfo=timezone.utc)
    link = reset_link_for(actor, now=start)
    with pytest.raises(InvalidLink):
        use_link(link, now=start + timedelta(hours=24, seconds=1))


def test_use_link_reset_clears_the_lockout(db):
    actor = make_user(Role.PILOTE)
    for _ in range(5):
        sign_in(actor.email, "mauvais-mot-de-passe")
    use_link(reset_link_for(actor))
    assert sign_in(actor.email, NEW_PASSWORD).error is None


def test_use_link_weak_password_is_refused_on_password_and_link_stays_usable(db):
    actor = make_user(Role.PILOTE)
    link = reset_link_for(actor)
    assert set(field_errors(use_link, link, "court")) == {"password"}
    assert set(field_errors(use_link, link, "aaaaaaaaaaaa")) == {"password"}
    assert set(field_errors(use_link, link, actor.email)) == {"password"}
    errors = field_errors(use_link, link, NEW_PASSWORD, "autre-chose-encore")
    assert errors == {"password_confirmation": "Les deux mots de passe ne sont pas identiques."}
    use_link(link)  # nothing above consumed the link


def test_issue_password_reset_by_admin_only(db):
    admin = make_user(Role.ADMIN)
    pilote = make_user(Role.PILOTE)
    with unit_of_work() as session:
        issued = accounts.issue_password_reset(session, actor=admin, user_id=pilote.user_id)
    assert issued.email == pilote.email and [m.id for m in outbox()] == [issued.outbox_id]
    with unit_of_work() as session, pytest.raises(NotAllowed):
        accounts.issue_password_reset(session, actor=pilote, user_id=admin.user_id)


# ---------------------------------------------------------------- account administration


def update(actor, user_id, *, version, role, network_id=None, active=True):
    with unit_of_work() as session:
        accounts.update_account(session, actor=actor, user_id=user_id, expected_version=version,
                                role=role, network_id=network_id, active=active)


def test_update_account_records_before_and_after(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.EVALUATEUR)
    network_id = make_network()
    update(admin, person.user_id, version=1, role=Role.RESEAU, network_id=network_id)
    row = user_row(person.user_id)
    assert row.role == Role.RESEAU and row.network_id == network_id and row.version == 2
    [entry] = audit_rows("account_updated")
    assert entry.actor_id == admin.user_id and entry.object_id == person.user_id
    assert entry.before == {"role": "evaluateur", "network_id": None, "active": True}
    assert entry.after == {"role": "reseau", "network_id": network_id, "active": True}


def test_update_account_with_stale_version_is_refused(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.EVALUATEUR)
    update(admin, person.user_id, version=1, role=Role.PILOTE)
    with pytest.raises(StaleEdit):
        update(admin, person.user_id, version=1, role=Role.EVALUATEUR)
    assert user_row(person.user_id).role == Role.PILOTE


def test_update_account_without_change_keeps_version_and_writes_no_audit(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.EVALUATEUR)
    update(admin, person.user_id, version=1, role=Role.EVALUATEUR)
    assert user_row(person.user_id).version == 1 and audit_rows("account_updated") == []


def test_update_account_admin_cannot_deactivate_or_demote_self(db):
    admin = make_user(Role.ADMIN)
    with pytest.raises(NotAllowed):
        update(admin, admin.user_id, version=1, role=Role.ADMIN, active=False)
    with pytest.raises(NotAllowed):
        update(admin, admin.user_id, version=1, role=Role.PILOTE)
    row = user_row(admin.user_id)
    assert row.active and row.role == Role.ADMIN


def test_update_account_referent_without_network_is_refused(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.EVALUATEUR)
    assert set(field_errors(update, admin, person.user_id, version=1, role=Role.RESEAU)) == {"network_id"}


def test_update_account_by_pilote_is_not_allowed(db):
    pilote = make_user(Role.PILOTE)
    person = make_user(Role.EVALUATEUR)
    with pytest.raises(NotAllowed):
        update(pilote, person.user_id, version=1, role=Role.PILOTE)


def test_update_account_role_change_ends_sessions(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PILOTE)
    token = sign_in(person.email).token
    update(admin, person.user_id, version=1, role=Role.EVALUATEUR)
    assert live_actor(token) is None


def test_list_accounts_shows_pending_and_network(db):
    admin = make_user(Role.ADMIN, email="a@exemple.fr")
    network_id = make_network("Réseau Val-d'Oise")
    invite(admin, "b@exemple.fr", role=Role.RESEAU, network_id=network_id)
    with read_only() as session:
        rows = accounts.list_accounts(session, actor=admin)
    assert [(r.email, r.pending, r.network_name) for r in rows] == [
        ("a@exemple.fr", False, None), ("b@exemple.fr", True, "Réseau Val-d'Oise"),
    ]
    with read_only() as session, pytest.raises(NotAllowed):
        accounts.list_accounts(session, actor=make_user(Role.EVALUATEUR))


def test_change_password_needs_the_current_one(db):
    actor = make_user(Role.PILOTE)

    def change(current, new, confirmation=None):
        with unit_of_work() as session:
            accounts.change_password(session, actor=actor, current_password=current, new_password=new,
                                     confirmation=new if confirmation is None else confirmation)

    assert set(field_errors(change, "pas-le-bon", NEW_PASSWORD)) == {"current_password"}
    assert set(field_errors(change, PASSWORD, "court")) == {"password"}
    assert set(field_errors(change, PASSWORD, NEW_PASSWORD, "different-encore")) == {"password_confirmation"}
    assert sign_in(actor.email, PASSWORD).error is None
    change(PASSWORD, NEW_PASSWORD)
    assert sign_in(actor.email, PASSWORD).error is not None
    assert sign_in(actor.email, NEW_PASSWORD).error is None
    assert audit_rows("password_set")[0].actor_id == actor.user_id


def test_ensure_admin_is_idempotent(db):
    with unit_of_work() as session:
        assert accounts.ensure_admin(session, email="Admin@Exemple.fr", password=NEW_PASSWORD) is True
    with unit_of_work() as session:
        assert accounts.ensure_admin(session, email="admin@exemple.fr", password="autre-secret-123") is False
    [user] = loaded(select(User))
    assert user.email == "admin@exemple.fr" and user.role == Role.ADMIN and user.active
    assert sign_in("admin@exemple.fr", NEW_PASSWORD).error is None
    assert len(audit_rows("admin_bootstrapped")) == 1


def test_ensure_admin_refuses_weak_password_and_bad_email(db):
    with unit_of_work() as session:
        assert set(field_errors(accounts.ensure_admin, session, email="admin@exemple.fr", password="court")) == {
            "password"}
        assert set(field_errors(accounts.ensure_admin, session, email="pas-une-adresse", password=NEW_PASSWORD)) == {
            "email"}
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_password_hash_is_argon2_not_the_password(db):
    with unit_of_work() as session:
        accounts.ensure_admin(session, email="admin@exemple.fr", password=NEW_PASSWORD)
    with read_only() as session:
        stored = session.scalar(text("SELECT password_hash FROM users"))
    assert stored.startswith("$argon2") and NEW_PASSWORD not in stored

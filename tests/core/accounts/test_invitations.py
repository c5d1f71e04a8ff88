"""Invitations: the pending account, its link, inviting again, sending the link again, who may invite whom."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.accounts import invitations, links
from core.errors import (
    DomainError,
    InvalidLink,
    NotAllowed,
    NotFound,
)
from db.engine import read_only, unit_of_work
from db.models import Role, User
from tests.core.accounts.support import (
    NEW_PASSWORD,
    audit_rows,
    field_errors,
    invite,
    live_actor,
    outbox,
    sign_in,
    update,
    use_link,
    user_row,
)
from tests.factories import make_network, make_user


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
    start = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
    issued = invite(admin, now=start)
    assert issued.expires_at == start + timedelta(days=7)
    with pytest.raises(InvalidLink):
        use_link(issued.url, now=start + timedelta(days=7))
    with read_only() as session, pytest.raises(InvalidLink):
        links.peek_link(session, issued.url.rsplit("/", 1)[-1], now=start + timedelta(days=7, seconds=1))
    use_link(issued.url, now=start + timedelta(days=6, hours=23))


def test_invite_again_pending_user_is_refused_and_keeps_the_first_link(db):
    admin = make_user(Role.ADMIN)
    sent = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
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
    first = invite(admin, now=datetime(2030, 3, 1, 8, 0, tzinfo=UTC))
    resend(admin, first.user_id, now=datetime(2030, 3, 4, 15, 30, tzinfo=UTC))
    errors = field_errors(invite, admin, first.email)
    assert "(envoyée le 4 mars 2030 à 16 h 30)" in errors["email"]


def resend(actor, user_id, *, now=None):
    with unit_of_work() as session:
        return invitations.resend_invitation(session, actor=actor, user_id=user_id, now=now)


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

"""Accounts page: invitations, the list, and an administrator's changes to an account."""

from sqlalchemy import func, select

from core.accounts import administration, invitations, links, sessions
from core.clock import format_datetime
from core.errors import InvalidLink
from db.engine import read_only, unit_of_work
from db.models import OneTimeToken, Role, TokenPurpose, User
from tests.factories import make_network, make_session_token
from tests.pages.conftest import (
    by_label,
    message_after,
    no_exception,
    open_app,
    red,
    texts,
)
from ui.forms import escape_md

PAGE = "pages/admin/comptes.py"


def invite(at, *, name: str, email: str, network_id: int | None = None, role: Role | None = None):
    form = at.form[0]
    by_label(form.text_input, "Nom et prénom").input(name)
    by_label(form.text_input, "Adresse e-mail").input(email)
    if role is not None:
        by_label(form.selectbox, "Rôle").set_value(role)
    if network_id is not None:
        by_label(form.selectbox, "Réseau (pour un référent réseau)").set_value(network_id)
    return by_label(form.button, "Créer l'invitation").click().run()


def user_count() -> int:
    with read_only() as session:
        return session.scalar(select(func.count()).select_from(User))


def test_comptes_shows_title_and_list_for_an_admin(as_role):
    admin = as_role(Role.ADMIN)
    referent = as_role(Role.RESEAU, network_id=make_network("Réseau Nord"))
    at = open_app(admin, PAGE)
    no_exception(at)
    assert texts(at.title) == ["Comptes"]
    assert "Comptes (2)" in texts(at.subheader)
    table = at.dataframe[0].value
    assert sorted(table["E-mail"]) == sorted([admin.email, referent.email])
    assert set(table["Statut"]) == {"Actif"}
    assert table.set_index("E-mail").loc[referent.email, "Réseau"] == "Réseau Nord"
    assert "Modifier un compte" in texts(at.subheader)


def test_comptes_invite_a_network_referent_shows_the_link_once(as_role):
    network = make_network("Réseau des Yvelines")
    at = open_app(as_role(Role.ADMIN), PAGE)
    at = invite(at, name="Alice Martin", email="Alice.Martin@Exemple.fr", network_id=network)
    no_exception(at)
    assert not at.error
    assert len(at.success) == 1
    assert at.success[0].value.startswith(f"Invitation créée pour {escape_md('alice.martin@exemple.fr')}")
    [link] = texts(at.code)
    assert link.startswith("http://testserver/lien/")
    with read_only() as session:
        user = session.scalar(select(User).where(User.email == "alice.martin@exemple.fr"))
        assert (user.full_name, user.role, user.network_id, user.password_hash) == (
            "Alice Martin", Role.RESEAU, network, None)
        info = links.peek_link(session, link.rsplit("/", 1)[1])
    assert info.purpose == TokenPurpose.INVITATION and info.email == user.email
    table = at.dataframe[0].value.set_index("E-mail")
    assert table.loc[user.email, "Statut"] == "Invitation en attente"
    at.run()  # the link is not shown again on the next run
    assert not at.code and not at.success


def test_comptes_invite_with_invalid_email_shows_the_message_next_to_the_field(as_role):
    network = make_network()
    at = open_app(as_role(Role.ADMIN), PAGE)
    before = user_count()
    at = invite(at, name="Bob", email="bob.exemple.fr", network_id=network)
    no_exception(at)
    assert message_after(at.form[0], "Adresse e-mail") == red(
        "L'adresse e-mail doit contenir un « @ » (par exemple prenom.nom@exemple.fr).")
    assert texts(at.error) == [escape_md("Certains champs sont à corriger.")]
    assert not at.code and not at.success
    assert user_count() == before
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(OneTimeToken)) == 0
    # what was typed is kept, to be corrected
    assert by_label(at.form[0].text_input, "Adresse e-mail").value == "bob.exemple.fr"
    assert by_label(at.form[0].text_input, "Nom et prénom").value == "Bob"


def test_comptes_invite_a_referent_without_network_is_refused(as_role):
    at = invite(open_app(as_role(Role.ADMIN), PAGE), name="Chloé", email="chloe@exemple.fr")
    assert message_after(at.form[0], "Réseau (pour un référent réseau)") == red("Choisissez le réseau de ce référent.")
    assert user_count() == 1


def test_comptes_project_lead_may_invite_reviewers_but_not_edit_accounts(as_role):
    at = open_app(as_role(Role.PILOTE), PAGE)
    no_exception(at)
    assert texts(at.title) == ["Comptes"]
    assert by_label(at.form[0].selectbox, "Rôle").options == ["Évaluateur", "Réseau"]
    assert "Modifier un compte" not in texts(at.subheader)
    at = invite(at, name="Denis Évalue", email="denis@exemple.fr", role=Role.EVALUATEUR)
    no_exception(at)
    assert len(at.code) == 1
    with read_only() as session:
        assert session.scalar(select(User.role).where(User.email == "denis@exemple.fr")) == Role.EVALUATEUR


def test_comptes_deactivate_an_account_ends_its_sessions(as_role):
    admin = as_role(Role.ADMIN)
    reviewer = as_role(Role.EVALUATEUR)
    reviewer_token = make_session_token(reviewer)
    at = open_app(admin, PAGE)
    by_label(at.selectbox, "Compte").set_value(reviewer.user_id).run()
    form = at.form[1]
    assert by_label(form.checkbox, "Compte actif").value is True
    by_label(form.checkbox, "Compte actif").uncheck()
    at = by_label(form.button, "Enregistrer").click().run()
    no_exception(at)
    assert texts(at.success) == [f"Compte de {escape_md(reviewer.email)} enregistré."]
    with read_only() as session:
        user = session.get(User, reviewer.user_id)
        assert user.active is False and user.version == 2
        assert sessions.check_session(session, reviewer_token).actor is None
    assert at.dataframe[0].value.set_index("E-mail").loc[reviewer.email, "Statut"] == "Désactivé"


def test_comptes_admin_cannot_deactivate_itself(as_role):
    admin = as_role(Role.ADMIN)
    at = open_app(admin, PAGE)
    by_label(at.selectbox, "Compte").set_value(admin.user_id).run()
    by_label(at.form[1].checkbox, "Compte actif").uncheck()
    at = by_label(at.form[1].button, "Enregistrer").click().run()
    no_exception(at)
    assert texts(at.error) == [escape_md(
        "Vous ne pouvez pas retirer vos propres droits d'administration ni désactiver votre compte.")]
    with read_only() as session:
        assert session.get(User, admin.user_id).active is True


def test_comptes_reset_link_for_an_account(as_role):
    admin = as_role(Role.ADMIN)
    reviewer = as_role(Role.EVALUATEUR)
    at = open_app(admin, PAGE)
    by_label(at.selectbox, "Compte").set_value(reviewer.user_id).run()
    at = by_label(at.button, "Créer un lien de réinitialisation du mot de passe").click().run()
    no_exception(at)
    [link] = texts(at.code)
    with read_only() as session:
        info = links.peek_link(session, link.rsplit("/", 1)[1])
    assert info.purpose == TokenPurpose.PASSWORD_RESET and info.email == reviewer.email


def test_comptes_edit_saved_meanwhile_by_a_colleague_is_refused_as_stale(as_role):
    admin, colleague = as_role(Role.ADMIN), as_role(Role.ADMIN)
    reviewer = as_role(Role.EVALUATEUR)
    at = open_app(admin, PAGE)
    by_label(at.selectbox, "Compte").set_value(reviewer.user_id).run()
    with unit_of_work() as session:  # a colleague makes the reviewer a project lead after the form was shown
        administration.update_account(session, actor=colleague, user_id=reviewer.user_id, expected_version=1,
                                      role=Role.PILOTE, network_id=None, active=True)
    by_label(at.form[1].checkbox, "Compte actif").uncheck()
    at = by_label(at.form[1].button, "Enregistrer").click().run()
    no_exception(at)
    assert texts(at.error) == [escape_md(
        "Cet élément a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
        "Rechargez la page pour voir la dernière version ; vos modifications n'ont pas été enregistrées.")]
    assert not at.success
    with read_only() as session:
        user = session.get(User, reviewer.user_id)
        assert (user.role, user.active, user.version) == (Role.PILOTE, True, 2)



# ------------------------------------------------------------------ an address already invited


def invited_by(actor, email: str, *, role: Role = Role.EVALUATEUR, name: str = "Alice Martin") -> str:
    """Invite through core as `actor`; the link sent."""
    with unit_of_work() as session:
        return invitations.invite(session, actor=actor, email=email, full_name=name, role=role).url


def link_usable(url: str) -> bool:
    with read_only() as session:
        try:
            links.peek_link(session, url.rsplit("/", 1)[1])
        except InvalidLink:
            return False
    return True


def test_comptes_invite_an_address_already_invited_is_refused_next_to_the_field(as_role):
    admin = as_role(Role.ADMIN)
    first = invited_by(admin, "alice@exemple.fr")
    at = open_app(admin, PAGE)
    at = invite(at, name="Alice Autre", email="Alice@exemple.fr", role=Role.PILOTE)
    no_exception(at)
    with read_only() as session:
        sent = session.scalar(select(OneTimeToken.created_at))
    assert message_after(at.form[0], "Adresse e-mail") == red(
        f"Une invitation est déjà en attente pour cette adresse (envoyée le {format_datetime(sent)}). "
        "Pour envoyer un nouveau lien, utilisez « Renvoyer le lien d'invitation » sous « Invitations en attente ».")
    assert not at.code and not at.success
    with read_only() as session:
        user = session.scalar(select(User).where(User.email == "alice@exemple.fr"))
        assert (user.full_name, user.role) == ("Alice Martin", Role.EVALUATEUR)
    assert link_usable(first)


def test_comptes_resend_a_pending_invitation_shows_a_fresh_link(as_role):
    admin = as_role(Role.ADMIN)
    first = invited_by(admin, "alice@exemple.fr")
    at = open_app(admin, PAGE)
    assert "Invitations en attente" in texts(at.subheader)
    pending = by_label(at.selectbox, "Invitation en attente")
    assert pending.options == ["Alice Martin — alice@exemple.fr"]
    at = by_label(at.button, "Renvoyer le lien d'invitation").click().run()
    no_exception(at)
    [success] = texts(at.success)
    assert success.startswith(f"Nouveau lien d'invitation pour {escape_md('alice@exemple.fr')}, valable jusqu'au ")
    [link] = texts(at.code)
    assert link != first and link_usable(link) and not link_usable(first)


def test_comptes_project_lead_resends_only_the_invitations_it_may_send(as_role):
    admin = as_role(Role.ADMIN)
    invited_by(admin, "future.admin@exemple.fr", role=Role.ADMIN, name="Future Admin")
    reviewer_link = invited_by(admin, "denis@exemple.fr", name="Denis Évalue")
    at = open_app(as_role(Role.PILOTE), PAGE)
    no_exception(at)
    assert by_label(at.selectbox, "Invitation en attente").options == ["Denis Évalue — denis@exemple.fr"]
    at = by_label(at.button, "Renvoyer le lien d'invitation").click().run()
    no_exception(at)
    assert len(at.code) == 1 and not link_usable(reviewer_link)


def test_comptes_without_pending_invitation_has_no_resend_section(as_role):
    at = open_app(as_role(Role.ADMIN), PAGE)
    assert "Invitations en attente" not in texts(at.subheader)
    assert not [b for b in at.button if b.label == "Renvoyer le lien d'invitation"]


def test_comptes_chosen_account_stays_when_another_admin_adds_one_meanwhile(as_role):
    admin = as_role(Role.ADMIN)
    reviewer = as_role(Role.EVALUATEUR)
    at = open_app(admin, PAGE)
    by_label(at.selectbox, "Compte").set_value(reviewer.user_id).run()
    by_label(at.form[1].checkbox, "Compte actif").uncheck()
    as_role(Role.PILOTE, email="aaa.premier@exemple.fr")  # another admin adds an account, sorted first
    at = by_label(at.form[1].button, "Enregistrer").click().run()
    no_exception(at)
    assert by_label(at.selectbox, "Compte").value == reviewer.user_id
    assert texts(at.success) == [f"Compte de {escape_md(reviewer.email)} enregistré."]
    with read_only() as session:
        assert session.get(User, reviewer.user_id).active is False
        assert session.scalar(select(User.active).where(User.email == "aaa.premier@exemple.fr")) is True
        assert session.get(User, admin.user_id).active is True


def test_comptes_chosen_invitation_stays_when_another_one_is_added_meanwhile(as_role):
    admin = as_role(Role.ADMIN)
    at = open_app(admin, PAGE)
    at = invite(at, name="Zoé Zeller", email="zoe@exemple.fr", role=Role.EVALUATEUR)
    at = invite(at, name="Yves Young", email="yves@exemple.fr", role=Role.EVALUATEUR)
    with read_only() as session:
        zoe = session.scalar(select(User.id).where(User.email == "zoe@exemple.fr"))
    by_label(at.selectbox, "Invitation en attente").set_value(zoe).run()
    with unit_of_work() as session:  # another admin invites someone listed before Zoé
        invitations.invite(session, actor=admin, email="abel@exemple.fr", full_name="Abel Abadie", role=Role.EVALUATEUR)
    at = by_label(at.button, "Renvoyer le lien d'invitation").click().run()
    no_exception(at)
    assert by_label(at.selectbox, "Invitation en attente").value == zoe
    assert any(escape_md("zoe@exemple.fr") in s for s in texts(at.success))

import pytest

from core.accounts import sessions, signin
from db.engine import read_only, unit_of_work
from db.models import Role
from tests.factories import PASSWORD, make_network
from tests.pages.conftest import (
    by_label,
    message_after,
    no_exception,
    open_app,
    red,
    texts,
)
from ui.forms import escape_md

PAGE = "pages/commun/mon_compte.py"
NEW_PASSWORD = "un-nouveau-mot-de-passe-sûr"


def fill(at, current: str, new: str, confirmation: str):
    by_label(at.text_input, "Mot de passe actuel").input(current)
    by_label(at.text_input, "Nouveau mot de passe").input(new)
    by_label(at.text_input, "Confirmation du nouveau mot de passe").input(confirmation)
    return by_label(at.button, "Changer le mot de passe").click().run()


@pytest.mark.parametrize("role", list(Role))
def test_mon_compte_shows_who_i_am_for_every_role(as_role, role):
    actor = as_role(role)
    at = open_app(actor, PAGE)
    no_exception(at)
    assert texts(at.title) == ["Mon compte"]
    assert f"**{escape_md(actor.full_name)}** — {escape_md(actor.email)}" in texts(at.main.markdown)


def test_mon_compte_shows_the_network_of_a_referent(as_role):
    actor = as_role(Role.RESEAU, network_id=make_network("Réseau Ouest"))
    at = open_app(actor, PAGE)
    assert "Réseau · Réseau Ouest" in texts(at.main.caption)


def test_mon_compte_wrong_current_password_is_refused_next_to_the_field(as_role):
    actor = as_role(Role.EVALUATEUR)
    at = fill(open_app(actor, PAGE), "pas-le-bon-mot", NEW_PASSWORD, NEW_PASSWORD)
    no_exception(at)
    assert message_after(at.form[0], "Mot de passe actuel") == red("Le mot de passe actuel est incorrect.")
    assert texts(at.error) == [escape_md("Certains champs sont à corriger.")]
    assert not at.success
    with unit_of_work() as session:
        outcome = signin.sign_in(session, email=actor.email, password=PASSWORD, ip_address="127.0.0.1")
    assert outcome.error is None  # the old password still works


def test_mon_compte_mismatched_confirmation_is_refused(as_role):
    at = fill(open_app(as_role(Role.PILOTE), PAGE), PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    no_exception(at)
    assert message_after(at.form[0], "Confirmation du nouveau mot de passe") == red(
        "Les deux mots de passe ne sont pas identiques."
    )


def test_mon_compte_changes_the_password(as_role):
    actor = as_role(Role.RESEAU)
    at = fill(open_app(actor, PAGE), PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    no_exception(at)
    assert texts(at.success) == ["Votre mot de passe a été changé."]
    assert not at.error
    with unit_of_work() as session:
        old = signin.sign_in(session, email=actor.email, password=PASSWORD, ip_address="127.0.0.2")
        new = signin.sign_in(session, email=actor.email, password=NEW_PASSWORD, ip_address="127.0.0.3")
    assert old.error is not None and new.error is None
    with read_only() as session:
        assert sessions.check_session(session, new.token).actor.user_id == actor.user_id

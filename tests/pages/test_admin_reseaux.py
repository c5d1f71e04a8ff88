"""Networks page: list, create (unique names), edit."""

from sqlalchemy import select

from core.accounts import networks
from core.accounts.networks import NetworkData
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Network, Role
from tests.factories import make_network
from tests.pages.conftest import (
    by_label,
    message_after,
    no_exception,
    open_app,
    red,
    texts,
)
from ui.forms import escape_md

PAGE = "pages/admin/reseaux.py"
STALE = ("Cet élément a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
         "Rechargez la page pour voir la dernière version ; vos modifications n'ont pas été enregistrées.")


def create(at, **fields):
    tab = at.tabs[0]
    for label, value in fields.items():
        by_label(tab.text_input, label).input(value)
    return by_label(tab.button, "Créer le réseau").click().run()


def names() -> list[str]:
    with read_only() as session:
        return list(session.scalars(select(Network.name).order_by(Network.name)))


def test_reseaux_without_networks_shows_title_and_empty_edit_tab(as_role):
    at = open_app(as_role(Role.ADMIN), PAGE)
    no_exception(at)
    assert texts(at.title) == ["Réseaux"]
    assert [t.label for t in at.tabs] == ["Créer un réseau", "Modifier un réseau"]
    assert texts(at.tabs[1].info) == ["Aucun réseau pour le moment."]


def test_reseaux_lists_networks_with_their_account_count(as_role):
    nord = make_network("Réseau Nord")
    make_network("Réseau Sud")
    as_role(Role.RESEAU, network_id=nord)
    as_role(Role.RESEAU, network_id=nord)
    at = open_app(as_role(Role.ADMIN), PAGE)
    table = at.dataframe[0].value.set_index("Réseau")
    assert table.loc["Réseau Nord", "Comptes"] == 2
    assert table.loc["Réseau Sud", "Comptes"] == 0


def test_reseaux_create_a_network(as_role):
    at = open_app(as_role(Role.ADMIN), PAGE)
    at = create(at, **{"Nom du réseau *": "  Réseau de l'Essonne ", "E-mail de contact": "contact@essonne.fr",
                       "Site internet": "https://essonne.example.org"})
    no_exception(at)
    name = "Réseau de l'Essonne"
    assert texts(at.success) == [f"Réseau « {escape_md(name)} » créé."]
    assert names() == ["Réseau de l'Essonne"]
    assert list(at.dataframe[0].value["Réseau"]) == ["Réseau de l'Essonne"]
    with read_only() as session:
        assert session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "network")) == "network_created"


def test_reseaux_duplicate_name_is_refused_next_to_the_field(as_role):
    make_network("Réseau Nord")
    at = create(open_app(as_role(Role.ADMIN), PAGE), **{"Nom du réseau *": "réseau NORD"})
    no_exception(at)
    assert message_after(at.tabs[0].form[0], "Nom du réseau *") == red("Un réseau porte déjà ce nom.")
    assert escape_md("Certains champs sont à corriger.") in texts(at.error)
    assert not at.success
    assert names() == ["Réseau Nord"]


def test_reseaux_invalid_contact_email_is_refused(as_role):
    at = create(open_app(as_role(Role.ADMIN), PAGE), **{"Nom du réseau *": "Réseau Est", "E-mail de contact": "nope"})
    assert message_after(at.tabs[0].form[0], "E-mail de contact").startswith(":red[L'adresse e\\-mail doit contenir")
    assert names() == []


def test_reseaux_edit_a_network(as_role):
    network = make_network("Réseau Nord")
    at = open_app(as_role(Role.ADMIN), PAGE)
    tab = at.tabs[1]
    assert by_label(tab.selectbox, "Réseau à modifier").value == network
    by_label(tab.text_input, "Nom du réseau *").input("Réseau Nord-Est")
    by_label(tab.checkbox, "Réseau actif").uncheck()
    at = by_label(tab.button, "Enregistrer").click().run()
    no_exception(at)
    assert texts(at.success) == ["Réseau enregistré."]
    with read_only() as session:
        row = session.get(Network, network)
        assert (row.name, row.active, row.version) == ("Réseau Nord-Est", False, 2)
    assert at.dataframe[0].value.set_index("Réseau").loc["Réseau Nord-Est", "Actif"].item() is False


def test_reseaux_edit_saved_meanwhile_by_a_colleague_is_refused_as_stale(as_role):
    network = make_network("Réseau Nord")
    at = open_app(as_role(Role.ADMIN), PAGE)
    with unit_of_work() as session:  # a colleague edits the network after the form was shown
        networks.update_network(session, actor=as_role(Role.ADMIN), network_id=network, expected_version=1,
                                data=NetworkData(name="Réseau Nord", contact_email="collegue@nord.fr"))
    tab = at.tabs[1]
    by_label(tab.text_input, "Site internet").input("https://nord.example.org")
    at = by_label(tab.button, "Enregistrer").click().run()
    no_exception(at)
    assert texts(at.error) == [escape_md(STALE)]
    assert not at.success
    with read_only() as session:
        row = session.get(Network, network)
        assert (row.contact_email, row.website, row.version) == ("collegue@nord.fr", None, 2)


def test_reseaux_chosen_network_stays_when_a_colleague_creates_one_meanwhile(as_role):
    make_network("Réseau Nord")
    south = make_network("Réseau Sud")
    at = open_app(as_role(Role.ADMIN), PAGE)
    by_label(at.tabs[1].selectbox, "Réseau à modifier").set_value(south).run()
    by_label(at.tabs[1].checkbox, "Réseau actif").uncheck()
    first = make_network("Réseau Alpha")  # a colleague creates a network listed first
    at = by_label(at.tabs[1].button, "Enregistrer").click().run()
    no_exception(at)
    assert by_label(at.tabs[1].selectbox, "Réseau à modifier").value == south
    with read_only() as session:
        assert session.get(Network, south).active is False
        assert session.get(Network, first).active is True

"""Networks: creation, edition, listing, with their validation and permissions."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.accounts import networks
from core.accounts.networks import NetworkData
from core.errors import NotAllowed, StaleEdit, ValidationFailed
from core.permissions import SYSTEM
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Network, Role
from tests.concurrency import race
from tests.factories import make_user


def create(actor, **fields) -> int:
    with unit_of_work() as session:
        return networks.create_network(session, actor=actor, data=NetworkData(**fields))


def update(actor, network_id, version, **fields) -> None:
    with unit_of_work() as session:
        networks.update_network(session, actor=actor, network_id=network_id, expected_version=version,
                                data=NetworkData(**fields))


def listed(*, actor=SYSTEM, **kwargs) -> list[networks.NetworkRow]:
    with read_only() as session:
        return networks.list_networks(session, actor=actor, **kwargs)


def errors_of(callable_, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        callable_(*args, **kwargs)
    return caught.value.errors


def audit_actions() -> list[tuple[str, dict | None, dict | None]]:
    with read_only() as session:
        return [(e.action, e.before, e.after) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_create_network_stores_cleaned_values_and_audits(db):
    admin = make_user(Role.ADMIN)
    network_id = create(admin, name="  Initiatives 77 ", description="Réseau de Seine-et-Marne",
                        contact_email="contact@initiatives77.fr", website="www.initiatives77.fr")
    [row] = listed()
    assert (row.id, row.name, row.description, row.contact_email, row.website, row.active, row.version) == (
        network_id, "Initiatives 77", "Réseau de Seine-et-Marne", "contact@initiatives77.fr",
        "https://www.initiatives77.fr", True, 1)
    [(action, before, after)] = audit_actions()
    assert action == "network_created" and before is None
    assert after["name"] == "Initiatives 77" and after["website"] == "https://www.initiatives77.fr"


def test_create_network_optional_fields_may_be_empty(db):
    admin = make_user(Role.ADMIN)
    create(admin, name="Urtie")
    [row] = listed()
    assert (row.description, row.contact_email, row.website) == (None, None, None)


def test_create_network_duplicate_name_is_refused_whatever_the_case(db):
    admin = make_user(Role.ADMIN)
    create(admin, name="Inclusiv'Essonne")
    assert errors_of(create, admin, name="INCLUSIV'ESSONNE") == {"name": "Un réseau porte déjà ce nom."}
    assert len(listed()) == 1


def test_create_network_duplicate_name_with_accents_is_refused_whatever_the_case(db):
    admin = make_user(Role.ADMIN)
    create(admin, name="Réseau Île-de-France")
    assert errors_of(create, admin, name="RÉSEAU ÎLE-DE-FRANCE") == {"name": "Un réseau porte déjà ce nom."}
    assert errors_of(create, admin, name="réseau île-de-france") == {"name": "Un réseau porte déjà ce nom."}
    assert len(listed()) == 1


def test_create_network_errors_are_reported_on_their_fields(db):
    admin = make_user(Role.ADMIN)
    errors = errors_of(create, admin, name="", contact_email="contact-sans-arobase", website="ftp://exemple.fr")
    assert set(errors) == {"name", "contact_email", "website"}
    assert errors["name"] == "Le champ « Nom » est obligatoire."
    assert "@" in errors["contact_email"]
    assert errors["website"] == "L'adresse du site internet doit commencer par http:// ou https://."
    assert listed() == [] and audit_actions() == []


def test_create_network_bad_url_alone_is_reported_on_website(db):
    admin = make_user(Role.ADMIN)
    errors = errors_of(create, admin, name="Urtie", website="pas un site")
    assert errors == {"website": "L'adresse du site internet ne doit pas contenir d'espace."}


def test_create_network_too_long_name_is_refused(db):
    admin = make_user(Role.ADMIN)
    assert set(errors_of(create, admin, name="x" * 121)) == {"name"}


@pytest.mark.parametrize("role", [Role.PILOTE, Role.EVALUATEUR, Role.RESEAU])
def test_create_network_by_non_admin_is_not_allowed(db, role):
    someone = make_user(role)
    before = len(listed())
    with pytest.raises(NotAllowed):
        create(someone, name="Réseau interdit")
    assert len(listed()) == before


def test_update_network_changes_values_bumps_version_and_audits(db):
    admin = make_user(Role.ADMIN)
    network_id = create(admin, name="Urtie")
    update(admin, network_id, 1, name="Urtie IDF", contact_email="bonjour@urtie.fr", active=False)
    [row] = listed()
    assert (row.name, row.contact_email, row.active, row.version) == ("Urtie IDF", "bonjour@urtie.fr", False, 2)
    action, before, after = audit_actions()[-1]
    assert action == "network_updated"
    assert (before["name"], before["active"]) == ("Urtie", True)
    assert (after["name"], after["active"]) == ("Urtie IDF", False)


def test_update_network_with_stale_version_is_refused(db):
    admin = make_user(Role.ADMIN)
    network_id = create(admin, name="Urtie")
    update(admin, network_id, 1, name="Urtie IDF")
    with pytest.raises(StaleEdit):
        update(admin, network_id, 1, name="Urtie Paris")
    assert listed()[0].name == "Urtie IDF"


def test_update_network_concurrent_saves_with_one_version_keep_the_first(db):
    """Two administrators save the same network from the same loaded version at once: the
    second is refused as stale (the row is locked while the first saves), never both applied."""
    admin = make_user(Role.ADMIN)
    network_id = create(admin, name="Urtie")

    def save(**fields):
        return lambda session: networks.update_network(session, actor=admin, network_id=network_id,
                                                       expected_version=1, data=NetworkData(**fields))

    assert race(save(name="Urtie IDF"), save(name="Urtie", description="Écrasé ?")) == "StaleEdit"
    [row] = listed(actor=admin)
    assert (row.name, row.description, row.version) == ("Urtie IDF", None, 2)
    assert [a for a, _, _ in audit_actions()] == ["network_created", "network_updated"]


def test_update_network_without_change_keeps_version(db):
    admin = make_user(Role.ADMIN)
    network_id = create(admin, name="Urtie")
    update(admin, network_id, 1, name="Urtie")
    assert listed()[0].version == 1
    assert [a for a, _, _ in audit_actions()] == ["network_created"]


def test_update_network_may_keep_its_own_name_with_other_case(db):
    admin = make_user(Role.ADMIN)
    network_id = create(admin, name="Urtie")
    update(admin, network_id, 1, name="URTIE")
    assert listed()[0].name == "URTIE"


def test_update_network_to_another_network_name_is_refused(db):
    admin = make_user(Role.ADMIN)
    create(admin, name="Urtie")
    other = create(admin, name="Initiatives 77")
    assert errors_of(update, admin, other, 1, name="urtie") == {"name": "Un réseau porte déjà ce nom."}


def test_update_network_by_pilote_is_not_allowed(db):
    admin = make_user(Role.ADMIN)
    network_id = create(admin, name="Urtie")
    with pytest.raises(NotAllowed):
        update(make_user(Role.PILOTE), network_id, 1, name="Piraté")
    assert listed()[0].name == "Urtie"


def test_list_networks_counts_accounts_and_filters_active(db):
    admin = make_user(Role.ADMIN)
    busy = create(admin, name="B réseau")
    create(admin, name="A réseau")
    closed = create(admin, name="C réseau", active=False)
    make_user(Role.RESEAU, network_id=busy)
    make_user(Role.RESEAU, network_id=busy)
    make_user(Role.RESEAU, network_id=closed)
    assert [(r.name, r.account_count) for r in listed()] == [("A réseau", 0), ("B réseau", 2), ("C réseau", 1)]
    assert [r.name for r in listed(active_only=True)] == ["A réseau", "B réseau"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PILOTE])
def test_list_networks_by_who_manages_networks_accounts_or_calls_is_allowed(db, role):
    create(make_user(Role.ADMIN), name="Urtie")
    assert [r.name for r in listed(actor=make_user(role))] == ["Urtie"]


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU])
def test_list_networks_by_reviewer_or_referent_is_not_allowed(db, role):
    someone = make_user(role)
    with pytest.raises(NotAllowed):
        listed(actor=someone)
    with pytest.raises(NotAllowed):
        listed(actor=None)


def test_network_name_unique_in_database_too(db):
    with unit_of_work() as session:
        session.add(Network(name="Doublon"))
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(Network(name="Doublon"))

"""Builders of test data through the real models (no mocks)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

from core.accounts.passwords import hash_password
from core.accounts.sessions import actor_of
from core.accounts.tokens import new_token
from core.candidacies.form import CandidacyForm
from core.permissions import Actor
from db.engine import unit_of_work
from db.models import (
    Call,
    CallState,
    Edition,
    Network,
    Role,
    SignInSession,
    User,
    call_networks,
)

PASSWORD = "mot-de-passe-de-test"
_counter = itertools.count(1)
_password_hash = None


def _hash() -> str:
    global _password_hash  # argon2 is slow on purpose: hash the shared test password once
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def make_network(name: str | None = None) -> int:
    with unit_of_work() as session:
        network = Network(name=name or f"Réseau {next(_counter)}")
        session.add(network)
        session.flush()
        return network.id


def make_user(role: Role = Role.PILOTE, *, network_id: int | None = None, email: str | None = None,
              active: bool = True, password: bool = True) -> Actor:
    if role == Role.RESEAU and network_id is None:
        network_id = make_network()
    with unit_of_work() as session:
        user = User(
            email=email or f"{role.value}{next(_counter)}@exemple.fr", full_name=f"Personne {role.value}",
            role=role, network_id=network_id if role == Role.RESEAU else None,
            password_hash=_hash() if password else None, active=active,
        )
        session.add(user)
        session.flush()
        session.refresh(user, ["network"])
        return actor_of(user)


def make_session_token(actor: Actor) -> str:
    token, digest = new_token()
    with unit_of_work() as session:
        session.add(SignInSession(token_hash=digest, user_id=actor.user_id))
    return token


def make_edition(number: int | None = None, *, event_date: date = date(2027, 3, 18)) -> int:
    with unit_of_work() as session:
        edition = Edition(number=number or next(_counter) + 100, title="Rencontre de test", event_date=event_date,
                          start_time=time(9, 0), end_time=time(12, 30), city="Argenteuil")
        session.add(edition)
        session.flush()
        return edition.id


def make_call(edition_id: int | None = None, *, networks: tuple[int, ...] = (), state: CallState = CallState.OPEN,
              opens_at: datetime | None = None, closes_at: datetime | None = None) -> int:
    now = datetime.now(UTC)
    with unit_of_work() as session:
        call = Call(edition_id=edition_id or make_edition(), theme_title="Thème de test",
                    opens_at=opens_at or now - timedelta(days=1), closes_at=closes_at or now + timedelta(days=10),
                    state=state, pitch_slots=5, pitch_minutes=5)
        session.add(call)
        session.flush()
        for network_id in networks:
            session.execute(call_networks.insert().values(call_id=call.id, network_id=network_id))
        return call.id


def complete_form(**changes) -> CandidacyForm:
    """A candidacy with every field valid (Bâti'Insert 95, SIRET 73282932000074), changed by `changes`."""
    values = dict(
        siret="73282932000074", name="Bâti'Insert 95", kind="EI", address="12 rue des Ouvriers",
        postcode="95100", city="Argenteuil", departement="95", website="www.bati-insert.exemple.fr",
        sectors=["Bâtiment et travaux publics"], insertion_workforce="18", contact_name="Samia Benali",
        contact_email="samia@bati-insert.exemple.fr", contact_phone="01 39 00 00 00",
        presenter_name="Samia Benali", presenter_role="Directrice", pitch_title="Second œuvre en insertion",
        pitch_summary="Peinture et plâtrerie.", buyer_offer="Lots de second œuvre.",
        public_references="Ville d'Argenteuil, 2023.", consent_processing=True, consent_sharing=True,
    )
    values.update(changes)
    return CandidacyForm(**values)

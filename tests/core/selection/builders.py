"""Builders of a call with submitted candidacies, written through the models (no mocks)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select

from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    Call,
    Candidacy,
    Deliberation,
    Network,
    Structure,
    StructureKind,
    Submission,
)
from tests.factories import make_call

_sirets = itertools.count(10_000_000_000_000)
NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    """One candidacy to build; `network` is a name (created once per call)."""

    kind: str = "EI"
    network: str = "Urtie"
    departement: str = "95"
    sectors: tuple[str, ...] = ("Bâtiment et travaux publics",)
    submission: Submission = Submission.SUBMITTED
    name: str | None = None
    contact_email: str | None = "contact@structure.exemple.fr"
    extra: dict = field(default_factory=dict)


def make_selection_call(*, slots: int = 5, closed: bool = False) -> int:
    """A call with `slots` pitch slots, open (or past its closing time when `closed`)."""
    kwargs = {}
    if closed:
        kwargs = {"opens_at": NOW - timedelta(days=40), "closes_at": NOW - timedelta(days=10)}
    call_id = make_call(**kwargs)
    with unit_of_work() as session:
        session.get(Call, call_id).pitch_slots = slots
    return call_id


def make_candidacies(call_id: int, specs: list[Spec] | int) -> list[int]:
    """Candidacies of the call, in the order of `specs` (an int: that many default ones)."""
    if isinstance(specs, int):
        specs = [Spec() for _ in range(specs)]
    ids = []
    with unit_of_work() as session:
        networks = {n.name: n.id for n in session.scalars(select(Network))}
        for index, spec in enumerate(specs):
            if spec.network not in networks:
                network = Network(name=spec.network, contact_email=f"{len(networks)}@reseau.exemple.fr")
                session.add(network)
                session.flush()
                networks[spec.network] = network.id
            name = spec.name or f"Structure {len(ids) + 1}"
            structure = Structure(siret=str(next(_sirets)), name=name, kind=StructureKind(spec.kind),
                                  departement=spec.departement)
            session.add(structure)
            session.flush()
            candidacy = Candidacy(
                call_id=call_id, structure_id=structure.id, network_id=networks[spec.network], name=name,
                kind=StructureKind(spec.kind), departement=spec.departement, sectors=list(spec.sectors),
                contact_email=spec.contact_email, submission=spec.submission,
                submitted_at=NOW - timedelta(days=20, minutes=index) if spec.submission != Submission.DRAFT else None,
                **spec.extra,
            )
            session.add(candidacy)
            session.flush()
            ids.append(candidacy.id)
    return ids


class Row(NamedTuple):
    deliberation: Deliberation
    rank: int | None
    version: int
    decision_version: int


def rows(call_id: int) -> dict[int, Row]:
    with read_only() as session:
        return {c.id: Row(c.deliberation, c.waitlist_rank, c.version, c.decision_version)
                for c in session.scalars(select(Candidacy).where(Candidacy.call_id == call_id))}


def version(candidacy_id: int) -> int:
    with read_only() as session:
        return session.get(Candidacy, candidacy_id).version


def waitlist(call_id: int) -> list[int]:
    """The call's waiting list, by rank."""
    with read_only() as session:
        return list(session.scalars(select(Candidacy.id).where(Candidacy.call_id == call_id,
                                                               Candidacy.waitlist_rank.is_not(None))
                                    .order_by(Candidacy.waitlist_rank)))


def ranks(call_id: int) -> list[int]:
    with read_only() as session:
        return list(session.scalars(select(Candidacy.waitlist_rank).where(
            Candidacy.call_id == call_id, Candidacy.waitlist_rank.is_not(None)).order_by(Candidacy.waitlist_rank)))


def audit_actions(*, object_id: int | None = None, object_type: str = "candidacy") -> list[str]:
    with read_only() as session:
        query = select(AuditEntry.action).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
        if object_id is not None:
            query = query.where(AuditEntry.object_id == object_id)
        return list(session.scalars(query))

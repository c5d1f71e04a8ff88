"""A candidacy as its reviewers and the lead read it: every field, the network that proposed it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from db.models import Call, Candidacy, Criterion, Network, Structure, Submission


@dataclass(frozen=True)
class Facts:
    id: int
    call_id: int
    siret: str
    name: str
    kind: str | None
    address: str | None
    postcode: str | None
    city: str | None
    departement: str | None
    website: str | None
    insertion_workforce: int | None
    sectors: list[str]
    network: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    presenter_name: str | None
    presenter_role: str | None
    pitch_title: str | None
    pitch_summary: str | None
    buyer_offer: str | None
    public_references: str | None
    submission: Submission
    submitted_at: datetime | None
    structure_id: int
    network_id: int


def load_facts(session: Session, candidacy_id: int) -> Facts:
    """One query; NotFound when there is no such candidacy."""
    row = session.execute(
        select(Candidacy, Structure.siret, Network.name)
        .join(Structure, Structure.id == Candidacy.structure_id)
        .join(Network, Network.id == Candidacy.network_id)
        .where(Candidacy.id == candidacy_id)
    ).first()
    if row is None:
        raise NotFound("Candidature introuvable.")
    c, siret, network = row
    return Facts(
        id=c.id, call_id=c.call_id, siret=siret, name=c.name or "", kind=c.kind.value if c.kind else None,
        address=c.address, postcode=c.postcode, city=c.city, departement=c.departement, website=c.website,
        insertion_workforce=c.insertion_workforce, sectors=list(c.sectors or []), network=network,
        contact_name=c.contact_name, contact_email=c.contact_email, contact_phone=c.contact_phone,
        presenter_name=c.presenter_name, presenter_role=c.presenter_role, pitch_title=c.pitch_title,
        pitch_summary=c.pitch_summary, buyer_offer=c.buyer_offer, public_references=c.public_references,
        submission=c.submission, submitted_at=c.submitted_at, structure_id=c.structure_id, network_id=c.network_id,
    )


@dataclass(frozen=True)
class CriterionInfo:
    id: int
    label: str
    description: str | None
    weight: int


def load_criteria(session: Session, call_id: int) -> list[CriterionInfo]:
    return [CriterionInfo(*row) for row in session.execute(
        select(Criterion.id, Criterion.label, Criterion.description, Criterion.weight)
        .where(Criterion.call_id == call_id).order_by(Criterion.position, Criterion.id))]


def load_call(session: Session, call_id: int) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("Appel introuvable.")
    return call

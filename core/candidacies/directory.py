"""The directory of structures: every SIAE / EA ever proposed, with its candidacies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.collation import french_key
from core.permissions import Action, Actor, require
from core.validation import FieldError, clean_siret
from db.models import Call, Candidacy, Deliberation, Edition, Network, Structure, Submission


@dataclass(frozen=True)
class Prefill:
    """Public identity of a known structure, to fill the candidacy form from its SIRET."""

    siret: str
    name: str
    kind: str
    address: str
    postcode: str
    city: str
    departement: str
    website: str
    sectors: list[str]
    insertion_workforce: str


def prefill_for_siret(session: Session, *, actor: Actor, siret: str) -> Prefill | None:
    """The known structure with that SIRET, or None (also for an invalid SIRET).

    Contact details are not part of it: they belong to the networks' candidacies.
    """
    require(actor, Action.EDIT_CANDIDACY, network_id=actor.network_id)
    try:
        siret = clean_siret(siret)
    except FieldError:
        return None
    structure = session.scalar(
        select(Structure).where(Structure.siret == siret).options(selectinload(Structure.sectors))
    )
    if structure is None:
        return None
    return Prefill(
        siret=structure.siret, name=structure.name, kind=structure.kind.value, address=structure.address or "",
        postcode=structure.postcode or "", city=structure.city or "", departement=structure.departement or "",
        website=structure.website or "", sectors=[s.label for s in structure.sectors],
        insertion_workforce="" if structure.insertion_workforce is None else str(structure.insertion_workforce),
    )


@dataclass(frozen=True)
class PastCandidacy:
    edition_number: int
    event_date: date
    theme_title: str
    network_name: str
    submission: Submission
    deliberation: Deliberation

    @property
    def outcome(self) -> str:
        if self.submission == Submission.SUBMITTED:
            return self.deliberation.label
        return self.submission.label

    @property
    def label(self) -> str:
        return f"n° {self.edition_number} « {self.theme_title} » ({self.network_name}) : {self.outcome}"


@dataclass(frozen=True)
class DirectoryEntry:
    id: int
    siret: str
    name: str
    kind: str
    departement: str | None
    city: str | None
    sectors: list[str]
    candidacies: list[PastCandidacy] = field(default_factory=list)

    @property
    def has_pitched(self) -> bool:
        return any(c.submission == Submission.SUBMITTED and c.deliberation == Deliberation.SELECTED
                   for c in self.candidacies)


def directory(session: Session, *, actor: Actor, search: str = "", limit: int = 500) -> list[DirectoryEntry]:
    """The first `limit` structures matching the search (name, SIRET, city) in French
    alphabetical order (core.collation), each with its candidacies across editions; a
    constant number of queries whatever the number of rows."""
    require(actor, Action.MANAGE_CALLS)
    matches = select(Structure.id, Structure.name)
    text = search.strip().lower()
    if text:
        # autoescape: a "%" or "_" typed by the user is searched for, not a wildcard.
        matches = matches.where(or_(func.lower(Structure.name).contains(text, autoescape=True),
                                    Structure.siret.contains(text.replace(" ", ""), autoescape=True),
                                    func.lower(Structure.city).contains(text, autoescape=True)))
    # The database's collation is not French (« Brie » before « Bâti'Insert »): order and
    # cut here, on ids and names only, then load the chosen rows.
    ordered = sorted(session.execute(matches), key=lambda row: french_key(row.name))[:limit]
    ids = [row.id for row in ordered]
    loaded = session.scalars(select(Structure).where(Structure.id.in_(ids)).options(selectinload(Structure.sectors)))
    by_id = {s.id: s for s in loaded}
    structures = [by_id[i] for i in ids]
    history = _history(session, ids)
    return [
        DirectoryEntry(id=s.id, siret=s.siret, name=s.name, kind=s.kind.value, departement=s.departement,
                       city=s.city, sectors=[x.label for x in s.sectors], candidacies=history.get(s.id, []))
        for s in structures
    ]


def _history(session: Session, structure_ids: list[int]) -> dict[int, list[PastCandidacy]]:
    if not structure_ids:
        return {}
    rows = session.execute(
        select(Candidacy.structure_id, Edition.number, Edition.event_date, Call.theme_title, Network.name,
               Candidacy.submission, Candidacy.deliberation)
        .join(Call, Call.id == Candidacy.call_id)
        .join(Edition, Edition.id == Call.edition_id)
        .join(Network, Network.id == Candidacy.network_id)
        .where(Candidacy.structure_id.in_(structure_ids), Candidacy.submission != Submission.DRAFT)
        .order_by(Edition.event_date.desc())
    )
    history: dict[int, list[PastCandidacy]] = {}
    for structure_id, number, day, theme, network, submission, deliberation in rows:
        history.setdefault(structure_id, []).append(
            PastCandidacy(number, day, theme, network, Submission(submission), Deliberation(deliberation))
        )
    return history

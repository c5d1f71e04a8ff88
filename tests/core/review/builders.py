"""Builders of review data through the real models and use cases (no mocks)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from stdnum import luhn

from core.permissions import Actor
from core.review import reviews
from core.review.reviews import ReviewInput
from db.engine import unit_of_work
from db.models import (
    Call,
    CallReviewer,
    Candidacy,
    Criterion,
    Role,
    Structure,
    StructureKind,
    Submission,
)
from tests.factories import make_call, make_edition, make_network, make_user

_numbers = itertools.count(1)
WEIGHTS = (3, 2, 2, 1)
LABELS = ("Adéquation avec le thème", "Capacité à répondre aux marchés publics",
          "Impact sur l'insertion et l'emploi", "Clarté de l'offre")


def new_siret() -> str:
    """A valid SIRET (Luhn), different at each call."""
    siren = f"{20_000_000 + next(_numbers):08d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def make_criteria(call_id: int, weights: tuple[int, ...] = WEIGHTS) -> list[int]:
    with unit_of_work() as session:
        criteria = [Criterion(call_id=call_id, label=LABELS[i] if i < len(LABELS) else f"Critère {i + 1}",
                              weight=weight, position=i) for i, weight in enumerate(weights)]
        session.add_all(criteria)
        session.flush()
        return [c.id for c in criteria]


def make_candidacy(call_id: int, network_id: int, *, name: str | None = None, siret: str | None = None,
                   submission: Submission = Submission.SUBMITTED, kind: StructureKind = StructureKind.EI,
                   departement: str = "95", sectors: tuple[str, ...] = ("Bâtiment et travaux publics",),
                   structure_id: int | None = None) -> int:
    """A candidacy (submitted by default) with its structure's copy, straight into the tables."""
    now = datetime.now(UTC)
    number = next(_numbers)
    with unit_of_work() as session:
        if structure_id is None:
            structure = Structure(siret=siret or new_siret(), name=name or f"Structure {number}", kind=kind,
                                  departement=departement)
            session.add(structure)
            session.flush()
            structure_id = structure.id
        candidacy = Candidacy(
            call_id=call_id, structure_id=structure_id, network_id=network_id, name=name or f"Structure {number}",
            kind=kind, departement=departement, postcode=f"{departement}100", city="Argenteuil",
            sectors=list(sectors), insertion_workforce=12, pitch_title=f"Offre {number}",
            pitch_summary="Résumé de l'offre.", buyer_offer="Lots réservés.", public_references="Ville, 2024.",
            contact_name="Samia Benali", contact_email="samia@exemple.fr", presenter_name="Samia Benali",
            consent_processing=True, consent_sharing=True, submission=submission,
            submitted_at=now - timedelta(minutes=1000 - number % 1000) if submission != Submission.DRAFT else None,
            withdrawal_reason="Retirée" if submission == Submission.WITHDRAWN else None,
            withdrawn_at=now if submission == Submission.WITHDRAWN else None,
        )
        session.add(candidacy)
        session.flush()
        return candidacy.id


def name_reviewers(call_id: int, *actors: Actor) -> None:
    with unit_of_work() as session:
        session.execute(insert(CallReviewer), [{"call_id": call_id, "reviewer_id": a.user_id} for a in actors])


def score(actor: Actor, candidacy_id: int, values, *, criteria: list[int], submit: bool = True,
          comment: str = "", shared_comment: str = "", version: int | None = None) -> int:
    """The actor's review through the use case: `values` in the order of `criteria`."""
    with unit_of_work() as session:
        saved = reviews.save_review(session, actor=actor, candidacy_id=candidacy_id, submit=submit,
                                    data=ReviewInput(scores=dict(zip(criteria, values, strict=True)),
                                                     comment=comment, shared_comment=shared_comment),
                                    expected_version=version)
        return saved.version


def publish_decisions(call_id: int) -> None:
    with unit_of_work() as session:
        session.get(Call, call_id).decisions_published_at = datetime.now(UTC)


class Scene:
    """An open call with four weighted criteria, two networks, one lead and two reviewers named."""

    def __init__(self) -> None:
        self.network, self.other_network = make_network(), make_network()
        self.call = make_call(make_edition(), networks=(self.network, self.other_network))
        self.criteria = make_criteria(self.call)
        self.lead = make_user(Role.PILOTE)
        self.alice = make_user(Role.EVALUATEUR)
        self.bruno = make_user(Role.EVALUATEUR)
        name_reviewers(self.call, self.alice, self.bruno)

    def candidacy(self, **options) -> int:
        network = options.pop("network", self.network)
        return make_candidacy(self.call, network, **options)


def bulk_reviews(call_id: int, network_id: int, reviewers: list[Actor], criteria: list[int], count: int) -> None:
    """`count` submitted candidacies, each with a submitted review by every reviewer, in a few statements."""
    from db.models import Review, ReviewState, Score

    now = datetime.now(UTC)
    with unit_of_work() as session:
        structures = [Structure(siret=new_siret(), name=f"Structure {next(_numbers)}", kind=StructureKind.EI)
                      for _ in range(count)]
        session.add_all(structures)
        session.flush()
        candidacies = [Candidacy(call_id=call_id, structure_id=s.id, network_id=network_id, name=s.name,
                                 kind=StructureKind.EI, departement="95", sectors=["Restauration"],
                                 submission=Submission.SUBMITTED, submitted_at=now) for s in structures]
        session.add_all(candidacies)
        session.flush()
        reviews_ = [Review(candidacy_id=c.id, reviewer_id=r.user_id, state=ReviewState.SUBMITTED, submitted_at=now)
                    for c in candidacies for r in reviewers]
        session.add_all(reviews_)
        session.flush()
        session.add_all(Score(review_id=review.id, criterion_id=k, value=1 + (review.id + i) % 5)
                        for review in reviews_ for i, k in enumerate(criteria))

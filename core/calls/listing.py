"""What calls each actor sees: the summaries of calls, and the lead's counts per network."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.permissions import Action, Actor, can, require
from core.review.rules import reviews_call
from db.models import Call, CallState, Candidacy, Edition, Labelled, Network, Submission, call_networks


class Phase(Labelled):
    """What a user sees of a call: its stored state read against the clock."""

    DRAFT = "draft"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    _labels = enum.nonmember({"draft": "Brouillon", "upcoming": "À venir", "open": "Ouvert", "closed": "Clos"})


@dataclass(frozen=True)
class CallSummary:
    id: int
    edition_id: int
    edition_number: int
    edition_title: str
    event_date: date
    start_time: time
    end_time: time
    city: str | None
    theme_title: str
    opens_at: datetime
    closes_at: datetime
    state: CallState
    pitch_slots: int

    def phase(self, now: datetime) -> Phase:
        """What a user sees: draft, upcoming, open or closed (by state and clock)."""
        if self.state == CallState.DRAFT:
            return Phase.DRAFT
        if self.state == CallState.CLOSED or now >= self.closes_at:
            return Phase.CLOSED
        return Phase.UPCOMING if now < self.opens_at else Phase.OPEN


def _summaries(session: Session, query) -> list[CallSummary]:
    rows = session.execute(
        query.add_columns(Edition).join(Edition, Edition.id == Call.edition_id)
        .order_by(Edition.event_date.desc(), Call.id)
    )
    return [
        CallSummary(
            id=call.id, edition_id=edition.id, edition_number=edition.number, edition_title=edition.title,
            event_date=edition.event_date, start_time=edition.start_time, end_time=edition.end_time,
            city=edition.city, theme_title=call.theme_title, opens_at=call.opens_at, closes_at=call.closes_at,
            state=call.state, pitch_slots=call.pitch_slots,
        )
        for call, edition in rows
    ]


def list_calls(session: Session, *, actor: Actor) -> list[CallSummary]:
    """The calls the actor sees, newest edition first: every one for the project lead (drafts
    too), the published calls she is named for for a reviewer, the invited ones for a network."""
    require(actor, Action.VIEW_CALLS)
    if actor.network_id is not None:
        return calls_for_network(session, actor=actor)
    if can(actor, Action.MANAGE_CALLS):
        return _summaries(session, select(Call))
    return _summaries(session, select(Call).where(reviews_call(actor.user_id)))


def calls_for_network(session: Session, *, actor: Actor, now: datetime | None = None) -> list[CallSummary]:
    """The published (non-draft) calls the actor's network is invited to."""
    require(actor, Action.VIEW_CALLS, network_id=actor.network_id)
    query = (
        select(Call)
        .join(call_networks, call_networks.c.call_id == Call.id)
        .where(call_networks.c.network_id == actor.network_id, Call.state != CallState.DRAFT)
    )
    return _summaries(session, query)


@dataclass(frozen=True)
class NetworkCount:
    network_id: int
    network_name: str
    drafts: int
    submitted: int
    withdrawn: int


def submission_counts(session: Session, *, actor: Actor, call_id: int) -> list[NetworkCount]:
    """Drafts, submitted and withdrawn candidacies per invited network, in one query."""
    require(actor, Action.MANAGE_CALLS)

    def count(status: Submission):
        return func.count(case((Candidacy.submission == status, 1)))

    rows = session.execute(
        select(Network.id, Network.name, count(Submission.DRAFT), count(Submission.SUBMITTED),
               count(Submission.WITHDRAWN))
        .join(call_networks, call_networks.c.network_id == Network.id)
        .outerjoin(Candidacy, (Candidacy.network_id == Network.id) & (Candidacy.call_id == call_id))
        .where(call_networks.c.call_id == call_id)
        .group_by(Network.id, Network.name)
        .order_by(Network.name)
    )
    return [NetworkCount(*row) for row in rows]

"""Assignment of a call's candidacies to its reviewers (optional per call).

« Répartir » gives every submitted candidacy R reviewers (default 2), never one in
conflict with it, balancing the load: once done, no reviewer has two more candidacies
than another unless conflicts or work already started make it impossible. A reviewer
keeps the candidacies whose review she has started (draft, submitted or abstained);
other assignments are redone. The same input always gives the same assignments.

Without assignment (calls.assigned_reviews NULL), every reviewer of the call may review
every candidacy. The lead may change any assignment by hand.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from core import audit
from core.clock import utcnow
from core.errors import DomainError, NotFound, ValidationFailed
from core.permissions import Action, Actor, require
from core.review import coverage
from core.review.rules import ReviewClosed, in_conflict, is_named, review_closed
from db.models import Call, Candidacy, Review, ReviewAssignment, ReviewState, Submission, User

DEFAULT_PER_CANDIDACY = 2
MAX_PER_CANDIDACY = 10
Pair = tuple[int, int]  # (candidacy id, reviewer id)


# ---------------------------------------------------------------- the plan (pure)


def plan(candidacies: Iterable[int], reviewers: Iterable[int], *, per_candidacy: int,
         forbidden: Collection[Pair] = frozenset(), kept: Collection[Pair] = frozenset()) -> set[Pair]:
    """The assignment pairs: `kept` ones, plus up to `per_candidacy` reviewers per candidacy
    (fewer only when fewer may review it), none `forbidden`, the loads balanced.

    Greedy first, the most constrained candidacies first, each to the least loaded
    reviewers; then moves along chains (r1 gives a candidacy to r2, who gives one to r3...)
    from the most loaded reviewer to one with two fewer, until none exists. Deterministic:
    ties go to the smaller id.
    """
    candidacy_ids, reviewer_ids = sorted({int(c) for c in candidacies}), sorted({int(r) for r in reviewers})
    forbidden, kept = {(int(c), int(r)) for c, r in forbidden}, {(int(c), int(r)) for c, r in kept}
    allowed = {c: [r for r in reviewer_ids if (c, r) not in forbidden] for c in candidacy_ids}
    chosen: dict[int, set[int]] = {c: {r for (k, r) in kept if k == c} for c in candidacy_ids}
    load = Counter(dict.fromkeys(reviewer_ids, 0))
    for rs in chosen.values():
        load.update(rs)
    for c in sorted(candidacy_ids, key=lambda c: (len(allowed[c]), c)):
        free = sorted((r for r in allowed[c] if r not in chosen[c]), key=lambda r: (load[r], r))
        for r in free[:max(0, per_candidacy - len(chosen[c]))]:
            chosen[c].add(r)
            load[r] += 1
    pairs = {(c, r) for c, rs in chosen.items() for r in rs}
    _balance(pairs, load, allowed, kept)
    return pairs


def _balance(pairs: set[Pair], load: Counter, allowed: Mapping[int, list[int]], kept: set[Pair]) -> None:
    """Move assignments along chains until no reviewer has two more than one it could pass work to."""
    while True:
        for heavy in sorted(load, key=lambda r: (-load[r], r)):
            chain = _chain(heavy, pairs, load, allowed, kept)
            if chain:
                for c, giver, taker in chain:
                    pairs.remove((c, giver))
                    pairs.add((c, taker))
                load[heavy] -= 1
                load[chain[-1][2]] += 1
                break
        else:
            return


def _chain(heavy: int, pairs: set[Pair], load: Counter, allowed: Mapping[int, list[int]],
           kept: set[Pair]) -> list[tuple[int, int, int]] | None:
    """Breadth-first: moves (candidacy, from, to) taking one assignment off `heavy` and
    giving one to a reviewer with at most load[heavy] - 2, the others unchanged."""
    by_reviewer: dict[int, list[int]] = {}
    for c, r in sorted(pairs):
        if (c, r) not in kept:
            by_reviewer.setdefault(r, []).append(c)
    reached: dict[int, tuple[int, int] | None] = {heavy: None}
    queue = deque([heavy])
    while queue:
        giver = queue.popleft()
        for c in by_reviewer.get(giver, ()):
            for taker in allowed[c]:
                if taker in reached or (c, taker) in pairs:
                    continue
                reached[taker] = (giver, c)
                if load[taker] <= load[heavy] - 2:
                    return _moves(reached, taker)
                queue.append(taker)
    return None


def _moves(reached: Mapping[int, tuple[int, int] | None], last: int) -> list[tuple[int, int, int]]:
    moves = []
    taker = last
    while reached[taker] is not None:
        giver, c = reached[taker]
        moves.append((c, giver, taker))
        taker = giver
    return list(reversed(moves))


# ---------------------------------------------------------------- the use cases


@dataclass(frozen=True)
class Distribution:
    per_candidacy: int
    assignments: int
    loads: list[tuple[str, int]]  # (reviewer's name, candidacies assigned), by name
    short: int  # candidacies that got fewer than per_candidacy reviewers (too few without conflict)


def _open_call(session: Session, actor: Actor, call_id: int) -> Call:
    require(actor, Action.MANAGE_REVIEWERS)
    call = session.get(Call, call_id, with_for_update=True)
    if call is None:
        raise NotFound("Appel introuvable.")
    if review_closed(call):
        raise ReviewClosed()
    return call


def distribute(session: Session, *, actor: Actor, call_id: int, per_candidacy: int = DEFAULT_PER_CANDIDACY,
               now: datetime | None = None) -> Distribution:
    """Assign the call's submitted candidacies to its reviewers (see the module's rules) and
    mark its reviews as assigned. Refuses R outside 1–10 or a call without reviewers
    (ValidationFailed), a published call (ReviewClosed). Side effect: one audit row
    (reviews_distributed) with the loads."""
    call = _open_call(session, actor, call_id)
    if isinstance(per_candidacy, bool) or not isinstance(per_candidacy, int) or not (
            1 <= per_candidacy <= MAX_PER_CANDIDACY):
        raise ValidationFailed({"per_candidacy": f"Indiquez un nombre d'évaluateurs par candidature entre 1 et "
                                                 f"{MAX_PER_CANDIDACY}."})
    reviewers = coverage.load_reviewers(session, [call_id])
    if reviewers.empty:
        raise ValidationFailed({"per_candidacy": "Nommez d'abord les évaluateurs de l'appel."})
    candidacies = coverage.load_candidacies(session, [call_id])
    # Every pair open to review, as if the call were not assigned: the conflicts drop out.
    every = coverage.pairs(candidacies=candidacies, calls=coverage.unassigned_calls([call_id]),
                           reviewers=reviewers, conflicts=coverage.load_conflicts(session, [call_id]),
                           assignments=coverage.no_assignments(), reviews=coverage.load_reviews(session, [call_id]))
    possible = set(zip(every["candidacy_id"], every["reviewer_id"], strict=True))
    all_pairs = {(c, r) for c in candidacies["candidacy_id"] for r in reviewers["reviewer_id"]}
    begun = every[every["state"].notna()]
    started = set(zip(begun["candidacy_id"], begun["reviewer_id"], strict=True))
    # A reviewer deactivated since she was named keeps what she began, and gets nothing new;
    # nor does one named while her invitation was pending (before that was refused).
    inactive = set(session.scalars(select(User.id).where(User.id.in_([int(r) for r in reviewers["reviewer_id"]]),
                                                         User.active.is_(False) | User.password_hash.is_(None))))
    dormant = {(c, r) for c, r in all_pairs if r in inactive} - started
    chosen = plan(candidacies["candidacy_id"], reviewers["reviewer_id"], per_candidacy=per_candidacy,
                  forbidden=(all_pairs - possible) | dormant, kept=started)
    before = _assigned(session, call_id)
    _replace(session, call_id, before, chosen, actor, now or utcnow())
    previous = call.assigned_reviews
    call.assigned_reviews = per_candidacy
    names = {int(r): name for r, name in zip(reviewers["reviewer_id"], reviewers["reviewer"], strict=True)}
    loads = Counter(r for _, r in chosen)
    result = Distribution(per_candidacy=per_candidacy, assignments=len(chosen),
                          loads=[(names[r], loads[r]) for r in sorted(names, key=lambda r: (names[r], r))],
                          short=sum(1 for c in candidacies["candidacy_id"]
                                    if sum(1 for r in names if (c, r) in chosen) < per_candidacy))
    audit.record(session, actor=actor, action="reviews_distributed", object_type="call", object_id=call_id,
                 before={"per_candidacy": previous, "assignments": len(before)},
                 after={"per_candidacy": per_candidacy, "assignments": len(chosen),
                        "loads": [list(load) for load in result.loads], "short": result.short})
    return result


def _assigned(session: Session, call_id: int) -> set[Pair]:
    return {(c, r) for c, r in session.execute(
        select(ReviewAssignment.candidacy_id, ReviewAssignment.reviewer_id)
        .join(Candidacy, Candidacy.id == ReviewAssignment.candidacy_id).where(Candidacy.call_id == call_id))}


def _replace(session: Session, call_id: int, before: set[Pair], after: set[Pair], actor: Actor,
             at: datetime) -> None:
    gone = sorted(before - after)
    for start in range(0, len(gone), 500):  # bounded IN lists
        for reviewer_id in {r for _, r in gone[start:start + 500]}:
            session.execute(delete(ReviewAssignment).where(
                ReviewAssignment.reviewer_id == reviewer_id,
                ReviewAssignment.candidacy_id.in_([c for c, r in gone[start:start + 500] if r == reviewer_id])))
    new = sorted(after - before)
    if new:
        session.execute(insert(ReviewAssignment), [
            {"candidacy_id": c, "reviewer_id": r, "assigned_at": at, "assigned_by_id": actor.user_id} for c, r in new])


def stop_assignment(session: Session, *, actor: Actor, call_id: int) -> None:
    """Back to « every reviewer reviews every candidacy »: assignments dropped, reviews kept.
    Side effect: an audit row (reviews_assignment_stopped)."""
    call = _open_call(session, actor, call_id)
    if call.assigned_reviews is None:
        return
    before = _assigned(session, call_id)
    _replace(session, call_id, before, set(), actor, utcnow())
    audit.record(session, actor=actor, action="reviews_assignment_stopped", object_type="call", object_id=call_id,
                 before={"per_candidacy": call.assigned_reviews, "assignments": len(before)},
                 after={"per_candidacy": None, "assignments": 0})
    call.assigned_reviews = None


class NotAssignable(DomainError):
    message = "Cette personne ne peut pas évaluer cette candidature."


def set_assignees(session: Session, *, actor: Actor, candidacy_id: int, reviewer_ids: Collection[int],
                  now: datetime | None = None) -> None:
    """Assign exactly these reviewers to the candidacy (by hand, on a call whose reviews are
    assigned). Refuses a reviewer not named for the call, whose invitation is pending, or in
    conflict with the candidacy (NotAssignable, naming her), removing one who already submitted its review, a draft or
    withdrawn candidacy, a published call. Side effect: one audit row per change
    (review_assigned, review_unassigned) on the candidacy."""
    require(actor, Action.MANAGE_REVIEWERS)
    candidacy = session.get(Candidacy, candidacy_id)
    if candidacy is None:
        raise NotFound("Candidature introuvable.")
    call = _open_call(session, actor, candidacy.call_id)
    if call.assigned_reviews is None:
        raise ValidationFailed({"reviewers": "Les évaluations de cet appel ne sont pas réparties : chaque "
                                             "évaluateur peut évaluer chaque candidature."})
    if candidacy.submission != Submission.SUBMITTED:
        raise ValidationFailed({"reviewers": "Seules les candidatures déposées sont attribuées."})
    wanted = set(reviewer_ids)
    current = set(session.scalars(select(ReviewAssignment.reviewer_id)
                                  .where(ReviewAssignment.candidacy_id == candidacy_id)))
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(wanted | current))).all())
    pending = set(session.scalars(select(User.id).where(User.id.in_(wanted - current), User.password_hash.is_(None))))
    for reviewer_id in sorted(wanted - current):
        if not is_named(session, call_id=call.id, reviewer_id=reviewer_id):
            raise NotAssignable(f"{names.get(reviewer_id, 'Cette personne')} n'est pas évaluatrice de cet appel.")
        if reviewer_id in pending:
            raise NotAssignable(f"{names[reviewer_id]} n'a pas encore activé son compte (invitation en attente).")
        if in_conflict(session, reviewer_id=reviewer_id, candidacy_id=candidacy_id):
            raise NotAssignable(f"{names[reviewer_id]} a déclaré un lien avec le réseau ou la structure de cette "
                                "candidature.")
    removed = current - wanted
    submitted = set(session.scalars(select(Review.reviewer_id).where(
        Review.candidacy_id == candidacy_id, Review.reviewer_id.in_(removed), Review.state == ReviewState.SUBMITTED)))
    if submitted:
        raise NotAssignable(f"{', '.join(sorted(names[r] for r in submitted))} a déjà soumis son évaluation de "
                            "cette candidature : l'attribution reste.")
    at = now or utcnow()
    for reviewer_id in sorted(removed):
        session.execute(delete(ReviewAssignment).where(ReviewAssignment.candidacy_id == candidacy_id,
                                                       ReviewAssignment.reviewer_id == reviewer_id))
        audit.record(session, actor=actor, action="review_unassigned", object_type="candidacy",
                     object_id=candidacy_id, before={"reviewer": names[reviewer_id]})
    for reviewer_id in sorted(wanted - current):
        session.add(ReviewAssignment(candidacy_id=candidacy_id, reviewer_id=reviewer_id, assigned_at=at,
                                     assigned_by_id=actor.user_id))
        audit.record(session, actor=actor, action="review_assigned", object_type="candidacy",
                     object_id=candidacy_id, after={"reviewer": names[reviewer_id]})

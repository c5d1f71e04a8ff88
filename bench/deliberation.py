"""The deliberation pages at scale (part of `python -m bench --only review`), on the review
bench's call (bench/review.py's seeding) once the lead has decided: 8 pitch slots, the 8
best weighted totals retained, the next 5 on the waiting list, the 200 lowest not retained.

Measured as bench/review.py measures the board, as the lead: the review board page with
these decisions, the « Sélection » page (balance panel, waiting list, the proposal form),
and the same page when she asks for a proposal (the click's whole run: the board's scores,
the solve, the diff and its balance drawn), each beside the bare sqlite3 replay of the
SELECTs its run sent; the proposal's baseline adds the bare milp of the same programme.
"""

from __future__ import annotations

from core.review import board
from core.selection import decisions
from core.selection.proposal import Proposal
from db import engine as db_engine
from db.models import Call, Deliberation

SELECTION_PAGE = "pages/pilotage/selection.py"
SLOTS, WAITING, NOT_RETAINED = 8, 5, 200
GROUPS = 8 + 1 + 5 + 4  # the proposal's constraints: see fill_limits


def decide(db) -> dict[str, int]:
    """The lead's decisions through core (versions, ranks and audit rows as the pages write
    them): the best weighted totals retained up to the slots, the next on the waiting list,
    the lowest not retained. Returns how many of each."""
    with db_engine.unit_of_work() as session:
        session.get(Call, db.call_id).pitch_slots = SLOTS
    with db_engine.read_only() as session:
        frame = board.board(session, actor=db.lead, call_id=db.call_id).frame
    versions = frame.sort_index().sort_values("weighted", ascending=False, kind="stable")["version"]
    groups = {Deliberation.SELECTED: versions.iloc[:SLOTS],
              Deliberation.WAITLISTED: versions.iloc[SLOTS:SLOTS + WAITING],
              Deliberation.NOT_SELECTED: versions.iloc[SLOTS + WAITING:].iloc[-NOT_RETAINED:]}
    for decision, chosen in groups.items():
        with db_engine.unit_of_work() as session:
            decisions.decide_many(session, actor=db.lead, call_id=db.call_id, decision=decision,
                                  expected_versions={int(i): int(v) for i, v in chosen.items()})
    return {decision.value: len(chosen) for decision, chosen in groups.items()}


def form_key(db, name: str) -> str:
    return f"selection-form-{db.call_id}-{name}"


def fill_limits(db, at) -> None:
    """The limits asked: at most 2 per network, at least 2 disability structures, at most 3 per
    département, at least one in each of the four sectors (8 + 1 + 5 + 4 = 18 groups)."""
    at.text_input(key=form_key(db, "network")).input("2")
    at.selectbox(key=form_key(db, "kind1")).set_value("family:handicap")
    at.text_input(key=form_key(db, "kind1-min")).input("2")
    at.selectbox(key=form_key(db, "dep")).set_value("*")
    at.text_input(key=form_key(db, "dep-max")).input("3")
    sectors = at.multiselect(key=form_key(db, "sectors"))
    sectors.set_value(list(sectors.options))


def ask(at) -> None:
    """Click « Proposer » (the run that follows makes the proposal and draws it)."""
    [button] = [b for b in at.button if b.label == "Proposer"]
    button.click()


def proposal_of(db, at) -> dict:
    stored = at.session_state[f"selection-proposal-{db.call_id}"]
    assert isinstance(stored["result"], Proposal) and len(stored["result"].selected) == SLOTS, stored["result"]
    return stored

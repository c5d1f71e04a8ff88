"""Many rows in one statement, through SQLAlchemy's own executemany."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from sqlalchemy import Delete, Insert, Update
from sqlalchemy.orm import Session


def execute_many(session: Session, statement: Insert | Update | Delete, rows: Sequence[Mapping]) -> int:
    """Run a Core INSERT, UPDATE or DELETE (on a Table, not an ORM entity) once per row, in
    the session's transaction, and return the number of rows matched.

    One DBAPI executemany (or insertmanyvalues batches, where the dialect uses them), with
    each column's type processing and defaults. Every row must have the same keys. No row
    runs nothing: an INSERT executed without parameters would add one row of defaults.
    """
    if not rows:
        return 0
    return session.execute(statement, rows).rowcount


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during a bulk write.

    Building thousands of parameter sets allocates millions of small objects, and each time
    the collector's thresholds are crossed it walks every live object — the plan of the
    whole import included —, a third of a 10,000-row write. Reference counting still
    frees what is dropped; the collector resumes (if it was on) at the end.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

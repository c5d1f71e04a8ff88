"""Two transactions racing on the same rows, interleaved so that a missing lock shows.

`race(first, second)` runs `first` in a transaction, starts `second` in another thread,
and commits `first` only once `second` is waiting on it, or has finished:
- on PostgreSQL, until the database reports `second`'s connection blocked by `first`'s
  (pg_blocking_pids). With a row lock, `second` waits before reading, then sees the
  committed version; without one, it reads the old version, passes the check and waits
  only at its UPDATE, so both saves succeed and the test fails, however slow the machine;
- on SQLite, until `second` is about to send its first statement: its BEGIN IMMEDIATE
  cannot start before `first` commits, so every interleaving serialises the two.
No fixed sleep: the wait ends on an observed state, never on a guess of how long it takes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from db.engine import get_engine, unit_of_work

TIMEOUT = 30  # seconds; only reached if something hangs


def backend_pid(session: Session) -> int:
    return session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()


def race(first: Callable[[Session], object], second: Callable[[Session], object]) -> str:
    """Return what became of `second`: "saved", or the name of the error it raised."""
    postgresql = get_engine().dialect.name == "postgresql"
    outcome: dict[str, str] = {}
    second_pid: dict[str, int] = {}
    second_ready = threading.Event()

    def run_second() -> None:
        try:
            with unit_of_work() as session:
                if postgresql:
                    second_pid["pid"] = backend_pid(session)
                second_ready.set()
                second(session)
            outcome["second"] = "saved"
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            outcome["second"] = type(error).__name__
        finally:
            second_ready.set()

    racer = threading.Thread(target=run_second)
    with unit_of_work() as session:
        first(session)
        session.flush()  # first's writes hold their row locks from here to the commit
        first_pid = backend_pid(session) if postgresql else None
        racer.start()
        assert second_ready.wait(TIMEOUT), "the second transaction never started"
        if postgresql and "pid" in second_pid:
            wait_until_blocked(second_pid["pid"], by=first_pid, racer=racer)
    racer.join(TIMEOUT)
    assert not racer.is_alive(), "the second transaction is still running"
    return outcome["second"]


def wait_until_blocked(pid: int, *, by: int, racer: threading.Thread) -> None:
    """Poll PostgreSQL until connection `pid` waits for a lock held by `by`, or `racer` ended."""
    deadline = time.monotonic() + TIMEOUT
    with get_engine().connect() as connection:
        while racer.is_alive():
            blocked = connection.execute(text("SELECT CAST(:by AS integer) = ANY(pg_blocking_pids(:pid))"),
                                         {"by": by, "pid": pid}).scalar()
            connection.rollback()  # a fresh snapshot of the lock table each time
            if blocked:
                return
            assert time.monotonic() < deadline, "the second transaction neither blocked nor finished"
            time.sleep(0.005)

"""Counting the SQL statements a piece of code runs (no N+1 checks)."""

from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def counting(engine):
    """Yield the list that collects every statement the engine runs inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_of(engine, action) -> int:
    """How many statements `action()` runs."""
    with counting(engine) as statements:
        action()
    return len(statements)

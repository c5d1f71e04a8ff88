"""Deliberation and selection: a call's waiting list holds each rank once; outcomes are versioned.

Existing waiting lists are renumbered 1..n first (by rank, then id), so that the unique
index can be built on any database. `decision_version` counts the changes of a
candidacy's outcome; publication keys its notifications by it.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WAITLISTED = sa.text("waitlist_rank IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("candidacies") as batch:
        batch.add_column(sa.Column("decision_version", sa.Integer(), server_default=sa.text("0"), nullable=False))
    _renumber_waiting_lists()
    op.create_index("uq_candidacies_call_waitlist_rank", "candidacies", ["call_id", "waitlist_rank"], unique=True,
                    sqlite_where=WAITLISTED, postgresql_where=WAITLISTED)


def _renumber_waiting_lists() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, call_id, waitlist_rank FROM candidacies WHERE waitlist_rank IS NOT NULL "
        "ORDER BY call_id, waitlist_rank, id"
    )).all()
    ranks: dict[int, int] = {}
    wanted = []
    for candidacy_id, call_id, rank in rows:
        ranks[call_id] = ranks.get(call_id, 0) + 1
        if rank != ranks[call_id]:
            wanted.append({"id": candidacy_id, "rank": ranks[call_id]})
    # Without an index yet, ranks may be written in any order.
    for row in wanted:
        connection.execute(sa.text("UPDATE candidacies SET waitlist_rank = :rank WHERE id = :id"), row)


def downgrade() -> None:
    op.drop_index("uq_candidacies_call_waitlist_rank", table_name="candidacies")
    with op.batch_alter_table("candidacies") as batch:
        batch.drop_column("decision_version")

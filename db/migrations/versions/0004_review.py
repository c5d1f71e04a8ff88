"""Review: reviewers of a call, conflicts of interest, assignments, review states, 1–5 scores.

- call_reviewers: who reviews which call; reviewer_conflicts: a reviewer's declared
  links with a network or a SIRET; review_assignments: who reviews which candidacy,
  when the call's reviews are assigned (calls.assigned_reviews holds R, else NULL).
- reviews gain a state (draft / submitted / abstained), a comment that may be shared
  with the structure, the abstention's reason and the submission time. Reviews that
  existed before were complete ones: they become submitted.
- scores move from 0–5 to the 1–5 scale. The app never wrote a score before this
  revision, so a 0 can only be hand-made data: it is deleted (the scale has no such
  level) and its review, now incomplete, goes back to draft.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATES = "state IN ('draft', 'submitted', 'abstained')"


def upgrade() -> None:
    op.create_table(
        "call_reviewers",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("named_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("named_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_reviewers_call_id_calls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_call_reviewers_reviewer_id_users")),
        sa.ForeignKeyConstraint(["named_by_id"], ["users.id"], name=op.f("fk_call_reviewers_named_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("call_id", "reviewer_id", name=op.f("pk_call_reviewers")),
    )
    op.create_index(op.f("ix_call_reviewers_reviewer_id"), "call_reviewers", ["reviewer_id"])

    op.create_table(
        "reviewer_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("siret", sa.String(14), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("declared_at", db.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("(network_id IS NULL) <> (siret IS NULL)", name=op.f("ck_reviewer_conflicts_one_link")),
        sa.CheckConstraint("siret IS NULL OR length(siret) = 14", name=op.f("ck_reviewer_conflicts_siret_length")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_reviewer_conflicts_reviewer_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"],
                                name=op.f("fk_reviewer_conflicts_network_id_networks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer_conflicts")),
        sa.UniqueConstraint("reviewer_id", "network_id", name="uq_reviewer_conflicts_reviewer_network"),
        sa.UniqueConstraint("reviewer_id", "siret", name="uq_reviewer_conflicts_reviewer_siret"),
    )

    op.create_table(
        "review_assignments",
        sa.Column("candidacy_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["candidacy_id"], ["candidacies.id"],
                                name=op.f("fk_review_assignments_candidacy_id_candidacies"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_review_assignments_reviewer_id_users")),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["users.id"],
                                name=op.f("fk_review_assignments_assigned_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("candidacy_id", "reviewer_id", name=op.f("pk_review_assignments")),
    )
    op.create_index(op.f("ix_review_assignments_reviewer_id"), "review_assignments", ["reviewer_id"])

    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("assigned_reviews", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_calls_assigned_reviews_range"), "assigned_reviews IS NULL OR assigned_reviews BETWEEN 1 AND 10")

    _drop_zero_scores()
    with op.batch_alter_table("scores") as batch:
        batch.drop_constraint(op.f("ck_scores_value_range"), type_="check")
        batch.create_check_constraint(op.f("ck_scores_value_range"), "value BETWEEN 1 AND 5")

    with op.batch_alter_table("reviews") as batch:
        # Existing reviews were finished ones; the default then goes (the code sets the state).
        batch.add_column(sa.Column("state", sa.String(20), nullable=False, server_default="submitted"))
        batch.add_column(sa.Column("shared_comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("abstention_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("submitted_at", db.types.UTCDateTime(), nullable=True))
    op.execute("UPDATE reviews SET state = 'draft' WHERE id IN (SELECT review_id FROM scores_dropped_0004)")
    op.execute("DROP TABLE scores_dropped_0004")
    with op.batch_alter_table("reviews") as batch:
        batch.alter_column("state", server_default=None, existing_type=sa.String(20), existing_nullable=False)
        batch.create_check_constraint(op.f("ck_reviews_review_state"), STATES)
        batch.create_check_constraint(op.f("ck_reviews_reason_iff_abstained"),
                                      "(state = 'abstained') = (abstention_reason IS NOT NULL)")


def _drop_zero_scores() -> None:
    """Delete scores of 0, remembering their reviews (they go back to draft once `state` exists)."""
    op.execute("CREATE TABLE scores_dropped_0004 (review_id INTEGER)")
    op.execute("INSERT INTO scores_dropped_0004 (review_id) SELECT DISTINCT review_id FROM scores WHERE value < 1")
    op.execute("DELETE FROM scores WHERE value < 1")


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.drop_constraint(op.f("ck_reviews_reason_iff_abstained"), type_="check")
        batch.drop_constraint(op.f("ck_reviews_review_state"), type_="check")
        for column in ("submitted_at", "abstention_reason", "shared_comment", "state"):
            batch.drop_column(column)
    with op.batch_alter_table("scores") as batch:
        batch.drop_constraint(op.f("ck_scores_value_range"), type_="check")
        batch.create_check_constraint(op.f("ck_scores_value_range"), "value BETWEEN 0 AND 5")
    with op.batch_alter_table("calls") as batch:
        batch.drop_constraint(op.f("ck_calls_assigned_reviews_range"), type_="check")
        batch.drop_column("assigned_reviews")
    op.drop_index(op.f("ix_review_assignments_reviewer_id"), table_name="review_assignments")
    op.drop_table("review_assignments")
    op.drop_table("reviewer_conflicts")
    op.drop_index(op.f("ix_call_reviewers_reviewer_id"), table_name="call_reviewers")
    op.drop_table("call_reviewers")

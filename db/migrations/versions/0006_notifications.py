"""Notifications: templates per edition, outbox rows that can be sent, retried and replaced.

A message can be discarded (replaced before it went out); it keeps its HTML part, its
Message-ID, the personal link it carries (removed once sent) and when to try again.
A call records until when the retained structures may confirm.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_STATUSES = ("draft", "queued", "sending", "sent", "failed")
NEW_STATUSES = (*OLD_STATUSES, "discarded")
EVERYWHERE = sa.text("edition_id IS NULL")


def _status_check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table("mail_templates") as batch:
        batch.add_column(sa.Column("edition_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("copy_networks", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.drop_constraint("uq_mail_templates_key", type_="unique")
        batch.create_unique_constraint("uq_mail_templates_key_edition", ["key", "edition_id"])
        batch.create_foreign_key("fk_mail_templates_edition_id_editions", "editions", ["edition_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_index("ix_mail_templates_edition_id", ["edition_id"])
    op.create_index("uq_mail_templates_key_everywhere", "mail_templates", ["key"], unique=True,
                    sqlite_where=EVERYWHERE, postgresql_where=EVERYWHERE)

    with op.batch_alter_table("outbox_messages") as batch:
        for column in (
            sa.Column("body_html", sa.Text(), nullable=True),
            sa.Column("personal_link", sa.Text(), nullable=True),
            sa.Column("message_id", sa.String(length=255), nullable=True),
            sa.Column("next_attempt_at", db.types.UTCDateTime(), nullable=True),
            sa.Column("claimed_at", db.types.UTCDateTime(), nullable=True),
            sa.Column("status_note", sa.Text(), nullable=True),
            sa.Column("call_id", sa.Integer(), nullable=True),
            sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        ):
            batch.add_column(column)
        batch.create_foreign_key("fk_outbox_messages_call_id_calls", "calls", ["call_id"], ["id"],
                                 ondelete="SET NULL")
        batch.drop_constraint(op.f("ck_outbox_messages_mail_status"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_messages_mail_status"), _status_check(NEW_STATUSES))
        batch.create_index("ix_outbox_messages_due", ["status", "next_attempt_at"])
        batch.create_index("ix_outbox_messages_candidacy_id", ["candidacy_id"])
        batch.create_index("ix_outbox_messages_call_id", ["call_id"])

    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("confirm_by", db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("confirm_by")

    op.execute("DELETE FROM outbox_messages WHERE status = 'discarded'")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_index("ix_outbox_messages_call_id")
        batch.drop_index("ix_outbox_messages_candidacy_id")
        batch.drop_index("ix_outbox_messages_due")
        batch.drop_constraint(op.f("ck_outbox_messages_mail_status"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_messages_mail_status"), _status_check(OLD_STATUSES))
        batch.drop_constraint("fk_outbox_messages_call_id_calls", type_="foreignkey")
        for name in ("version", "call_id", "status_note", "claimed_at", "next_attempt_at", "message_id",
                     "personal_link", "body_html"):
            batch.drop_column(name)

    op.drop_index("uq_mail_templates_key_everywhere", table_name="mail_templates")
    op.execute("DELETE FROM mail_templates WHERE edition_id IS NOT NULL")
    with op.batch_alter_table("mail_templates") as batch:
        batch.drop_index("ix_mail_templates_edition_id")
        batch.drop_constraint("fk_mail_templates_edition_id_editions", type_="foreignkey")
        batch.drop_constraint("uq_mail_templates_key_edition", type_="unique")
        batch.create_unique_constraint("uq_mail_templates_key", ["key"])
        batch.drop_column("copy_networks")
        batch.drop_column("edition_id")

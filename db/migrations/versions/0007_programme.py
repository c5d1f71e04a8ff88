"""The programme: items with their own start and end (UTC), room and call; pitch order; version notes.

Items no longer carry a position and a duration: each has its instants, so that items can
be moved and resized one by one and overlap in different rooms. A pitch session (kind
'pitches') names its call; its pitches are read from the selection, never stored, so the
old one-row-per-pitch items become the lead's order of that call (pitch_positions).
Existing rows are converted: the old times, back to back from the edition's start.

Revision ID: 0007
Revises: 0006
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PARIS = ZoneInfo("Europe/Paris")
OLD_KINDS = ("welcome", "plenary", "workshop", "pitches", "pitch", "break", "bilateral", "other")
NEW_KINDS = ("welcome", "plenary", "workshop", "pitches", "bilateral", "break", "closing", "other")


def _kind(kinds: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*kinds, name="item_kind", native_enum=False, create_constraint=True, length=20)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def _utc(value) -> datetime:
    """A stored UTC instant as an aware datetime (SQLite gives text or naive values)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _create_new_items() -> None:
    op.create_table(
        "programme_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind(NEW_KINDS), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("speakers", sa.Text(), nullable=True),
        sa.Column("room", sa.String(length=120), nullable=True),
        sa.Column("starts_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("ends_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("changeover_minutes", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_programme_items_times_ordered")),
        sa.CheckConstraint("(kind = 'pitches') = (call_id IS NOT NULL)", name=op.f("ck_programme_items_call_iff_pitches")),
        sa.CheckConstraint("changeover_minutes >= 0", name=op.f("ck_programme_items_changeover_positive")),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_programme_items_call_id_calls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["edition_id"], ["editions.id"], name=op.f("fk_programme_items_edition_id_editions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_items")),
    )
    op.create_index(op.f("ix_programme_items_edition_id"), "programme_items", ["edition_id"])
    op.create_index(op.f("ix_programme_items_call_id"), "programme_items", ["call_id"])


def _create_old_items() -> None:
    op.create_table(
        "programme_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", _kind(OLD_KINDS), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("speakers", sa.Text(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("candidacy_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_programme_items_duration_positive")),
        sa.ForeignKeyConstraint(["candidacy_id"], ["candidacies.id"],
                                name=op.f("fk_programme_items_candidacy_id_candidacies")),
        sa.ForeignKeyConstraint(["edition_id"], ["editions.id"], name=op.f("fk_programme_items_edition_id_editions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_items")),
    )
    op.create_index(op.f("ix_programme_items_edition_id"), "programme_items", ["edition_id"])


def _drop_items() -> None:
    op.drop_index(op.f("ix_programme_items_edition_id"), table_name="programme_items")
    op.drop_table("programme_items")


def _converted(connection) -> tuple[list[dict], list[dict]]:
    """The old items as new rows (times back to back from the edition's start), and the
    order of the old pitch rows as pitch positions."""
    editions = {row.id: row for row in connection.execute(sa.text(
        "SELECT id, event_date, start_time FROM editions"))}
    call_of = dict(connection.execute(sa.text("SELECT id, call_id FROM candidacies")).all())
    first_call = {}
    for call_id, edition_id in connection.execute(sa.text("SELECT id, edition_id FROM calls ORDER BY id")):
        first_call.setdefault(edition_id, call_id)
    old = connection.execute(sa.text(
        "SELECT id, edition_id, position, kind, title, description, speakers, duration_minutes, candidacy_id, "
        "version FROM programme_items ORDER BY edition_id, position, id")).mappings().all()
    items, positions, clock, session = [], [], {}, None
    now = datetime.now(UTC)
    for row in old:
        edition = editions[row["edition_id"]]
        start = clock.get(row["edition_id"]) or datetime.combine(
            _as_date(edition.event_date), _as_time(edition.start_time), tzinfo=PARIS).astimezone(UTC)
        end = start + timedelta(minutes=row["duration_minutes"])
        clock[row["edition_id"]] = end
        if row["kind"] == "pitch":
            if session is not None and row["candidacy_id"] in call_of:
                session["ends_at"] = end
                session["call_id"] = session["call_id"] or call_of[row["candidacy_id"]]
                positions.append({"call_id": call_of[row["candidacy_id"]], "candidacy_id": row["candidacy_id"],
                                  "position": len(positions) + 1})
            continue
        item = {"id": row["id"], "edition_id": row["edition_id"], "kind": row["kind"], "title": row["title"],
                "description": row["description"], "speakers": row["speakers"], "room": None,
                "starts_at": start, "ends_at": end, "call_id": None, "changeover_minutes": 1,
                "created_at": now, "version": row["version"]}
        items.append(item)
        session = item if row["kind"] == "pitches" else None
    for item in items:
        if item["kind"] == "pitches":
            item["call_id"] = item["call_id"] or first_call.get(item["edition_id"])
            if item["call_id"] is None:
                item["kind"] = "other"
    return items, positions


def upgrade() -> None:
    connection = op.get_bind()
    items, positions = _converted(connection)
    _drop_items()
    _create_new_items()
    op.create_table(
        "pitch_positions",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("candidacy_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_pitch_positions_call_id_calls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["candidacy_id"], ["candidacies.id"],
                                name=op.f("fk_pitch_positions_candidacy_id_candidacies"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id", "candidacy_id", name=op.f("pk_pitch_positions")),
    )
    with op.batch_alter_table("programme_versions") as batch:
        batch.add_column(sa.Column("note", sa.String(length=300), nullable=True))
    new_items = sa.table("programme_items", *(sa.column(name) for name in (
        "id", "edition_id", "kind", "title", "description", "speakers", "room", "call_id",
        "changeover_minutes", "version")), sa.column("starts_at", db.types.UTCDateTime()),
        sa.column("ends_at", db.types.UTCDateTime()), sa.column("created_at", db.types.UTCDateTime()))
    if items:
        op.bulk_insert(new_items, items)
    if positions:
        op.bulk_insert(sa.table("pitch_positions", sa.column("call_id"), sa.column("candidacy_id"),
                                sa.column("position")), positions)
    if connection.dialect.name == "postgresql" and items:
        op.execute("SELECT setval(pg_get_serial_sequence('programme_items', 'id'), "
                   "(SELECT max(id) FROM programme_items))")


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, edition_id, kind, title, description, speakers, starts_at, ends_at, version "
        "FROM programme_items ORDER BY edition_id, starts_at, id")).mappings().all()
    old, position = [], {}
    for row in rows:
        position[row["edition_id"]] = position.get(row["edition_id"], 0) + 1
        minutes = max(1, int((_utc(row["ends_at"]) - _utc(row["starts_at"])).total_seconds() // 60))
        old.append({"id": row["id"], "edition_id": row["edition_id"], "position": position[row["edition_id"]],
                    "kind": "other" if row["kind"] == "closing" else row["kind"], "title": row["title"],
                    "description": row["description"], "speakers": row["speakers"], "duration_minutes": minutes,
                    "candidacy_id": None, "version": row["version"]})
    with op.batch_alter_table("programme_versions") as batch:
        batch.drop_column("note")
    op.drop_table("pitch_positions")
    op.drop_index(op.f("ix_programme_items_call_id"), table_name="programme_items")
    _drop_items()
    _create_old_items()
    if old:
        op.bulk_insert(sa.table("programme_items", *(sa.column(name) for name in old[0])), old)

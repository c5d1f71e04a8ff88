"""Candidacies keep the structure as their network proposed it (a snapshot).

Before, every candidacy showed the shared directory row of its SIRET, so another
network proposing the same structure elsewhere changed what this one showed. The
snapshot is filled from the directory for existing candidacies.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KINDS = ("EI", "AI", "ACI", "ETTI", "EITI", "GEIQ", "EA", "EATT", "ESAT")
COPIED = ("name", "kind", "address", "postcode", "city", "departement", "website", "insertion_workforce")


def upgrade() -> None:
    with op.batch_alter_table("candidacies") as batch:
        batch.add_column(sa.Column("name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(20), nullable=True))
        batch.add_column(sa.Column("address", sa.String(300), nullable=True))
        batch.add_column(sa.Column("postcode", sa.String(5), nullable=True))
        batch.add_column(sa.Column("city", sa.String(120), nullable=True))
        batch.add_column(sa.Column("departement", sa.String(3), nullable=True))
        batch.add_column(sa.Column("website", sa.String(300), nullable=True))
        batch.add_column(sa.Column("insertion_workforce", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sectors", sa.JSON(), nullable=True))
        batch.create_check_constraint("kind", f"kind IN ({', '.join(repr(k) for k in KINDS)})")
        batch.create_check_constraint("workforce", "insertion_workforce IS NULL OR insertion_workforce >= 0")
    _fill_from_directory()


def _fill_from_directory() -> None:
    connection = op.get_bind()
    for column in COPIED:
        connection.execute(sa.text(
            f"UPDATE candidacies SET {column} = "
            f"(SELECT s.{column} FROM structures s WHERE s.id = candidacies.structure_id)"
        ))
    sectors: dict[int, list[str]] = {}
    for candidacy_id, label in connection.execute(sa.text(
        "SELECT c.id, sec.label FROM candidacies c "
        "JOIN structure_sectors ss ON ss.structure_id = c.structure_id "
        "JOIN sectors sec ON sec.id = ss.sector_id ORDER BY c.id, sec.position"
    )):
        sectors.setdefault(candidacy_id, []).append(label)
    table = sa.table("candidacies", sa.column("id", sa.Integer), sa.column("sectors", sa.JSON))
    for candidacy_id, labels in sectors.items():
        connection.execute(table.update().where(table.c.id == candidacy_id).values(sectors=labels))


def downgrade() -> None:
    with op.batch_alter_table("candidacies") as batch:
        batch.drop_constraint("workforce", type_="check")
        batch.drop_constraint("kind", type_="check")
        for column in ("sectors", *reversed(COPIED)):
            batch.drop_column(column)

"""sector taxonomy

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 12:00:00

Inserts the 20 sector groups of the inclusion market-place, so that every database
has them. The labels are copied here on purpose: a migration must keep meaning the
same thing even after core.reference changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SECTOR_LABELS = (
    "Bâtiment et travaux publics",
    "Hygiène et propreté",
    "Espaces verts et extérieurs",
    "Collecte et traitement des déchets",
    "Recyclage et économie circulaire",
    "Déménagements, livraisons et transports",
    "Restauration",
    "Agro-alimentaire",
    "Entretien du linge",
    "Sécurité et prévention",
    "Assistance générale et administrative",
    "Prestations informatiques",
    "Communication et marketing",
    "Sous-traitance industrielle",
    "Réparations et dépannages",
    "Ameublement, décoration, textile et artisanat",
    "Culture, divertissement et tourisme",
    "Prestations intellectuelles",
    "Services à la personne",
    "Médico-social",
)

sectors = sa.table(
    "sectors",
    sa.column("id", sa.Integer),
    sa.column("label", sa.String),
    sa.column("position", sa.Integer),
)
structure_sectors = sa.table("structure_sectors", sa.column("sector_id", sa.Integer))


def upgrade() -> None:
    # Skip labels already there (typed in by hand before this migration existed).
    existing = set(op.get_bind().execute(sa.select(sectors.c.label)).scalars())
    rows = [
        {"label": label, "position": position}
        for position, label in enumerate(SECTOR_LABELS, start=1)
        if label not in existing
    ]
    if rows:
        op.bulk_insert(sectors, rows)


def downgrade() -> None:
    ours = sa.select(sectors.c.id).where(sectors.c.label.in_(SECTOR_LABELS))
    op.execute(structure_sectors.delete().where(structure_sectors.c.sector_id.in_(ours)))
    op.execute(sectors.delete().where(sectors.c.label.in_(SECTOR_LABELS)))

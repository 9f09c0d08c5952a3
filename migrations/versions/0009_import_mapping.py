"""Saved column mappings of the web's import page, per source, kind and layout of file.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_mapping",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("layout", sa.Text, nullable=False),
        sa.Column("key_id", sa.LargeBinary, nullable=False),
        sa.Column("mapping", sa.LargeBinary, nullable=False),
        sa.Column("saved_by", sa.Text, nullable=False),
        sa.Column("saved_at", sa.Text, nullable=False),
        sa.CheckConstraint("kind IN ('contacts', 'purchases', 'messages')", name="kind"),
        sa.UniqueConstraint("source", "kind", "layout"),
    )


def downgrade() -> None:
    op.drop_table("import_mapping")

"""The identity history: every staff split, join, review decision and undo, with what an undo needs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("record_ids", sa.Text, nullable=False),
        sa.Column("profiles_before", sa.Text, nullable=False),
        sa.Column("profiles_after", sa.Text, nullable=False),
        sa.Column("before", sa.Text, nullable=False),
        sa.Column("after", sa.Text, nullable=False),
        sa.Column("undoes", sa.Integer),
        sa.Column("undone_by", sa.Integer),
        sa.CheckConstraint("kind IN ('split', 'join', 'review_join', 'review_apart', 'undo')", name="kind"),
    )


def downgrade() -> None:
    op.drop_table("identity_history")

"""Identity review queue: pairs the model is unsure of, for staff to decide.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_pair",
        sa.Column(
            "left_record_id", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "right_record_id", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review_pair")

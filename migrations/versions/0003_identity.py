"""Identity: the evidence behind each join, and staff decisions that runs must respect.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_link",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profile.id", ondelete="CASCADE"), nullable=False),
        sa.Column("left_record_id", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False),
        sa.Column("right_record_id", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint("method IN ('identifier', 'model', 'staff')", name="ck_profile_link_method"),
    )
    op.create_index("ix_profile_link_profile_id", "profile_link", ["profile_id"])
    op.create_table(
        "link_decision",
        sa.Column(
            "left_record_id", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "right_record_id", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("decided_at", sa.Text, nullable=False),
        sa.CheckConstraint("decision IN ('join', 'apart')", name="ck_link_decision_decision"),
        sa.CheckConstraint("left_record_id < right_record_id", name="ck_link_decision_ordered"),
    )


def downgrade() -> None:
    op.drop_table("link_decision")
    op.drop_table("profile_link")

"""Campaigns: snapshots of a segment with their holdout and the people taken out, and the campaigns on them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("segment_id", sa.Integer, sa.ForeignKey("segment.id", ondelete="SET NULL")),
        sa.Column("segment_version", sa.Integer),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("holdout_share", sa.Float, nullable=False),
        sa.Column("taken_by", sa.Text, nullable=False),
        sa.Column("taken_at", sa.Text, nullable=False),
        sa.Column("frozen_by", sa.Text),
        sa.Column("frozen_at", sa.Text),
    )
    op.create_table(
        "snapshot_member",
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshot.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("anchor", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("holdout", sa.Boolean, nullable=False),
        sa.Column("excluded_by", sa.Text),
        sa.Column("excluded_at", sa.Text),
    )
    op.create_index("ix_snapshot_member_anchor", "snapshot_member", ["anchor"])
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshot.id"), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("subject_de", sa.Text, nullable=False, server_default=""),
        sa.Column("body_de", sa.Text, nullable=False, server_default=""),
        sa.Column("subject_en", sa.Text, nullable=False, server_default=""),
        sa.Column("body_en", sa.Text, nullable=False, server_default=""),
        sa.Column("cost_minor", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("sent_by", sa.Text),
        sa.Column("sent_at", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("campaign")
    op.drop_index("ix_snapshot_member_anchor", table_name="snapshot_member")
    op.drop_table("snapshot_member")
    op.drop_table("snapshot")

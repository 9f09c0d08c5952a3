"""Blocking keys of the match model, for resolving one new record at once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blocking_key",
        sa.Column("rule", sa.Integer, primary_key=True),
        sa.Column("digest", sa.LargeBinary, primary_key=True),
        sa.Column(
            "source_record_id", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_blocking_key_source_record_id", "blocking_key", ["source_record_id"])


def downgrade() -> None:
    op.drop_table("blocking_key")

"""Drop ``profile_attribute``, which nothing ever wrote.

Profiles were loaded with a lookup of "chosen" values in it and erasure
purged it, but no code path chose a value; the golden record comes from the
survivorship rules alone. A staff choice, when it comes, gets a table with a
writer.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_profile_attribute_source_record_id", table_name="profile_attribute")
    op.drop_table("profile_attribute")


def downgrade() -> None:
    op.create_table(
        "profile_attribute",
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("field", sa.Text, primary_key=True),
        sa.Column(
            "source_record_id", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("chosen_at", sa.Text, nullable=False),
    )
    op.create_index("ix_profile_attribute_source_record_id", "profile_attribute", ["source_record_id"])

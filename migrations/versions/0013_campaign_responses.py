"""Campaign responses: who opened, clicked, replied to, unsubscribed from or bounced a campaign, as the mail
tool's report says.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_response",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("anchor", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("occurred_at", sa.Text, nullable=False),
        sa.Column("times", sa.Integer, nullable=False),
    )
    op.create_index("ix_campaign_response_anchor", "campaign_response", ["anchor"])


def downgrade() -> None:
    op.drop_index("ix_campaign_response_anchor", table_name="campaign_response")
    op.drop_table("campaign_response")

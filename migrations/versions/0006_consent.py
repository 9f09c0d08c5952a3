"""Consent ledger, data-subject requests, suppression list and retention rules.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

KINDS = "'access', 'portability', 'erasure', 'rectification', 'restriction', 'objection'"
BASES = "'consent', 'contract', 'legitimate_interest', 'legal_obligation'"


def upgrade() -> None:
    op.create_table(
        "consent_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_record_id", sa.Integer, sa.ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("effective_at", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("proof", sa.LargeBinary, nullable=False),
        sa.CheckConstraint("action IN ('granted', 'withdrawn')", name="action"),
        sa.CheckConstraint(f"legal_basis IN ({BASES})", name="legal_basis"),
    )
    op.create_index("ix_consent_event_source_record_id", "consent_event", ["source_record_id"])
    op.create_table(
        "dsr_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("received_on", sa.Text, nullable=False),
        sa.Column("due_on", sa.Text, nullable=False),
        sa.Column("extension_reason", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("key_id", sa.LargeBinary, nullable=False),
        sa.Column("requester", sa.LargeBinary, nullable=False),
        sa.Column("verified_how", sa.Text),
        sa.Column("verified_by", sa.Text),
        sa.Column("verified_at", sa.Text),
        sa.Column("opened_by", sa.Text, nullable=False),
        sa.Column("closed_at", sa.Text),
        sa.Column("outcome", sa.Text),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="kind"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="status"),
    )
    op.create_table(
        "dsr_subject",
        sa.Column("request_id", sa.Integer, sa.ForeignKey("dsr_request.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("profile_id", sa.Integer, primary_key=True),
        sa.Column("confirmed_by", sa.Text, nullable=False),
        sa.Column("confirmed_at", sa.Text, nullable=False),
    )
    op.create_table(
        "suppression",
        sa.Column("digest", sa.LargeBinary, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("request_id", sa.Integer),
        sa.Column("added_at", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "retention_rule",
        sa.Column("category", sa.Text, primary_key=True),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("legal_reason", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.CheckConstraint("months > 0", name="months"),
    )


def downgrade() -> None:
    for table in ("retention_rule", "suppression", "dsr_subject", "dsr_request", "consent_event"):
        op.drop_table(table)

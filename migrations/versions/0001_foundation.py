"""Foundation: profiles, source records, identifiers, attributes, interactions, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_meta",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "profile",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="active"),
        sa.Column("address_form", sa.Text, nullable=False, server_default="unknown"),
        sa.Column("title", sa.Text),
        sa.Column("gender", sa.Text),
        sa.Column("language", sa.Text),
        sa.CheckConstraint("status IN ('active', 'restricted')", name="ck_profile_status"),
        sa.CheckConstraint("address_form IN ('du', 'Sie', 'unknown')", name="ck_profile_address_form"),
    )
    op.create_table(
        "source_record",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("record_digest", sa.LargeBinary, nullable=False),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profile.id"), nullable=False),
        sa.Column("key_id", sa.LargeBinary, nullable=False),
        sa.Column("content_mac", sa.LargeBinary, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("imported_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.UniqueConstraint("source", "record_digest", name="uq_source_record_source_record_digest"),
    )
    op.create_index("ix_source_record_profile_id", "source_record", ["profile_id"])
    op.create_table(
        "identifier",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_record_id",
            sa.Integer,
            sa.ForeignKey("source_record.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profile.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("digest", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_identifier_source_record_id", "identifier", ["source_record_id"])
    op.create_index("ix_identifier_kind_digest", "identifier", ["kind", "digest"])
    op.create_table(
        "profile_attribute",
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("field", sa.Text, primary_key=True),
        sa.Column(
            "source_record_id",
            sa.Integer,
            sa.ForeignKey("source_record.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("chosen_at", sa.Text, nullable=False),
    )
    op.create_table(
        "interaction",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_record_id",
            sa.Integer,
            sa.ForeignKey("source_record.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profile.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("record_digest", sa.LargeBinary, nullable=False),
        sa.Column("occurred_at", sa.Text, nullable=False),
        sa.Column("channel", sa.Text),
        sa.Column("amount_minor", sa.Integer),
        sa.Column("currency", sa.Text),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("imported_at", sa.Text, nullable=False),
        sa.CheckConstraint(
            "kind IN ('purchase', 'message', 'post', 'ticket', 'campaign_touch')", name="ck_interaction_kind"
        ),
        sa.UniqueConstraint("source_record_id", "record_digest", name="uq_interaction_source_record_id_record_digest"),
    )
    op.create_index("ix_interaction_profile_id_occurred_at", "interaction", ["profile_id", "occurred_at"])
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("file_digest", sa.Text, nullable=False),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("finished_at", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("object_type", sa.Text),
        sa.Column("object_id", sa.Text),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
    )
    # The audit log is append-only: the store itself refuses to change history.
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_no_delete")
    op.execute("DROP TRIGGER audit_log_no_update")
    for table in (
        "audit_log",
        "import_run",
        "interaction",
        "profile_attribute",
        "identifier",
        "source_record",
        "profile",
        "store_meta",
    ):
        op.drop_table(table)

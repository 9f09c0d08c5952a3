"""Consent as it stands: per profile, purpose and channel, the action of the latest event, kept by triggers.

The ledger (``consent_event``) is append-only and kept per source record; what counts for a person is the
latest event (by effective time, then id) of any of their records. Reading that from the ledger means
ranking every event of a purpose and channel on each read, which at 100,000 people takes a third of a
second; ``consent_state`` keeps the answer instead. Triggers recount a profile's state when an event is
added or removed, when a record moves to another profile (a join or a split), and when a record goes (an
erasure): a recount reads only that profile's events.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

LATEST = """
    INSERT INTO consent_state (profile_id, purpose, channel, action)
    SELECT profile_id, purpose, channel, action FROM (
        SELECT source_record.profile_id AS profile_id, consent_event.purpose AS purpose,
               consent_event.channel AS channel, consent_event.action AS action,
               row_number() OVER (PARTITION BY source_record.profile_id, consent_event.purpose, consent_event.channel
                                  ORDER BY consent_event.effective_at DESC, consent_event.id DESC) AS rank
        FROM consent_event JOIN source_record ON source_record.id = consent_event.source_record_id
        WHERE {where}
    ) WHERE rank = 1;"""


def _recount(profile: str, purpose: str | None = None, channel: str | None = None) -> str:
    """Statements that count ``profile``'s state afresh (for one purpose and channel, or all of them)."""
    scope = f" AND purpose = {purpose} AND channel = {channel}" if purpose else ""
    where = f"source_record.profile_id = {profile}" + (
        f" AND consent_event.purpose = {purpose} AND consent_event.channel = {channel}" if purpose else ""
    )
    return f"""
    DELETE FROM consent_state WHERE profile_id = {profile}{scope};{LATEST.format(where=where)}"""


PROFILE_OF = "(SELECT profile_id FROM source_record WHERE id = {})"
TRIGGERS = {
    "consent_event_state_insert": f"""
CREATE TRIGGER consent_event_state_insert AFTER INSERT ON consent_event
BEGIN{_recount(PROFILE_OF.format("NEW.source_record_id"), "NEW.purpose", "NEW.channel")}
END""",
    "consent_event_state_delete": f"""
CREATE TRIGGER consent_event_state_delete AFTER DELETE ON consent_event
BEGIN{_recount(PROFILE_OF.format("OLD.source_record_id"), "OLD.purpose", "OLD.channel")}
END""",
    "source_record_state_move": f"""
CREATE TRIGGER source_record_state_move AFTER UPDATE OF profile_id ON source_record
WHEN OLD.profile_id IS NOT NEW.profile_id
BEGIN{_recount("OLD.profile_id")}{_recount("NEW.profile_id")}
END""",
    "source_record_state_delete": f"""
CREATE TRIGGER source_record_state_delete AFTER DELETE ON source_record
BEGIN{_recount("OLD.profile_id")}
END""",
}


def upgrade() -> None:
    op.create_table(
        "consent_state",
        sa.Column("profile_id", sa.Integer, primary_key=True),
        sa.Column("purpose", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("action", sa.Text, nullable=False),
    )
    op.create_index("ix_consent_state_purpose_channel", "consent_state", ["purpose", "channel", "action", "profile_id"])
    for trigger in TRIGGERS.values():
        op.execute(trigger)
    op.execute(LATEST.format(where="true"))


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_consent_state_purpose_channel", table_name="consent_state")
    op.drop_table("consent_state")

"""Marketing: the per-profile rollup of interactions, kept by triggers, segments in versions, and an index of
interactions by kind and time for segments' history conditions.

The rollup counts each profile's purchases and revenue (in the store's currency, ``store_meta.currency``,
EUR when unset), its first and last purchase, and its interactions of every kind with the latest. Triggers
on ``interaction`` keep it: an insert adds to it, a delete or a change of profile, kind, amount, currency or
time recounts the profiles concerned from their interactions (an index lookup each).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CURRENCY = "coalesce((SELECT value FROM store_meta WHERE name = 'currency'), 'EUR')"
COLUMNS = "profile_id, orders, revenue_minor, first_purchase_at, last_purchase_at, interactions, last_activity_at"


def _recount(profile: str) -> str:
    """Statements that count ``profile``'s rollup afresh from its interactions (none: no rollup row)."""
    return f"""
        DELETE FROM profile_rollup WHERE profile_id = {profile};
        INSERT INTO profile_rollup ({COLUMNS})
        SELECT profile_id, sum(kind = 'purchase'),
               coalesce(sum(CASE WHEN kind = 'purchase' AND currency = {CURRENCY} THEN amount_minor END), 0),
               min(CASE WHEN kind = 'purchase' THEN occurred_at END),
               max(CASE WHEN kind = 'purchase' THEN occurred_at END), count(*), max(occurred_at)
        FROM interaction WHERE profile_id = {profile} GROUP BY profile_id;"""


ADD = f"""
CREATE TRIGGER interaction_rollup_insert AFTER INSERT ON interaction
BEGIN
    INSERT INTO profile_rollup ({COLUMNS})
    VALUES (NEW.profile_id, NEW.kind = 'purchase',
            CASE WHEN NEW.kind = 'purchase' AND NEW.currency = {CURRENCY} THEN coalesce(NEW.amount_minor, 0) ELSE 0 END,
            CASE WHEN NEW.kind = 'purchase' THEN NEW.occurred_at END,
            CASE WHEN NEW.kind = 'purchase' THEN NEW.occurred_at END, 1, NEW.occurred_at)
    ON CONFLICT (profile_id) DO UPDATE SET
        orders = orders + excluded.orders,
        revenue_minor = revenue_minor + excluded.revenue_minor,
        first_purchase_at = CASE WHEN first_purchase_at IS NULL OR excluded.first_purchase_at < first_purchase_at
                                 THEN coalesce(excluded.first_purchase_at, first_purchase_at)
                                 ELSE first_purchase_at END,
        last_purchase_at = CASE WHEN last_purchase_at IS NULL OR excluded.last_purchase_at > last_purchase_at
                                THEN coalesce(excluded.last_purchase_at, last_purchase_at)
                                ELSE last_purchase_at END,
        interactions = interactions + 1,
        last_activity_at = CASE WHEN last_activity_at IS NULL OR excluded.last_activity_at > last_activity_at
                                THEN excluded.last_activity_at ELSE last_activity_at END;
END
"""
REMOVE = f"""
CREATE TRIGGER interaction_rollup_delete AFTER DELETE ON interaction
BEGIN{_recount("OLD.profile_id")}
END
"""
CHANGE = f"""
CREATE TRIGGER interaction_rollup_update
AFTER UPDATE OF profile_id, kind, amount_minor, currency, occurred_at ON interaction
BEGIN{_recount("OLD.profile_id")}{_recount("NEW.profile_id")}
END
"""
REBUILD = f"""
INSERT INTO profile_rollup ({COLUMNS})
SELECT profile_id, sum(kind = 'purchase'),
       coalesce(sum(CASE WHEN kind = 'purchase' AND currency = {CURRENCY} THEN amount_minor END), 0),
       min(CASE WHEN kind = 'purchase' THEN occurred_at END), max(CASE WHEN kind = 'purchase' THEN occurred_at END),
       count(*), max(occurred_at)
FROM interaction GROUP BY profile_id
"""


def upgrade() -> None:
    op.create_table(
        "profile_rollup",
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("orders", sa.Integer, nullable=False, server_default="0"),
        sa.Column("revenue_minor", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_purchase_at", sa.Text),
        sa.Column("last_purchase_at", sa.Text),
        sa.Column("interactions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_activity_at", sa.Text),
    )
    for column in ("orders", "revenue_minor", "last_purchase_at", "last_activity_at"):
        op.create_index(f"ix_profile_rollup_{column}", "profile_rollup", [column])
    op.create_table(
        "segment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("archived_at", sa.Text),
    )
    op.create_table(
        "segment_version",
        sa.Column("segment_id", sa.Integer, sa.ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("saved_by", sa.Text, nullable=False),
        sa.Column("saved_at", sa.Text, nullable=False),
    )
    history = ["kind", "occurred_at", "profile_id", "amount_minor"]
    op.create_index("ix_interaction_kind_occurred_at", "interaction", history)
    for trigger in (ADD, REMOVE, CHANGE):
        op.execute(trigger)
    op.execute(REBUILD)


def downgrade() -> None:
    for trigger in ("interaction_rollup_insert", "interaction_rollup_delete", "interaction_rollup_update"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.drop_index("ix_interaction_kind_occurred_at", table_name="interaction")
    op.drop_table("segment_version")
    op.drop_table("segment")
    for column in ("orders", "revenue_minor", "last_purchase_at", "last_activity_at"):
        op.drop_index(f"ix_profile_rollup_{column}", table_name="profile_rollup")
    op.drop_table("profile_rollup")

"""Indexes on foreign keys whose parent rows are deleted.

SQLite checks a foreign key by looking the deleted parent up in the child
table; without an index on the child column that is a scan of the whole
table for every deleted profile or source record. Merging profiles in a
batch run and erasing people delete many parents.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_identifier_profile_id", "identifier", "profile_id"),
    ("ix_search_token_source_record_id", "search_token", "source_record_id"),
    ("ix_profile_attribute_source_record_id", "profile_attribute", "source_record_id"),
    ("ix_profile_link_left_record_id", "profile_link", "left_record_id"),
    ("ix_profile_link_right_record_id", "profile_link", "right_record_id"),
    ("ix_link_decision_right_record_id", "link_decision", "right_record_id"),
    ("ix_review_pair_right_record_id", "review_pair", "right_record_id"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)

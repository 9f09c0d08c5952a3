"""The store's tables, as SQLAlchemy Core metadata.

Personal fields never stand in a column of their own: they travel in
``payload`` blobs sealed by ``cdp.store.personal`` with the data key of the source
record they came from (``key_id``), so that destroying that key in the vault
makes every copy unreadable. Identifiers needed for exact lookup stand beside
them as keyed hashes (``digest``). Columns in plain text are the ones that say
nothing about a person on their own: ids, times, kinds, amounts, sources.

Alembic migrations in ``migrations/`` create and change these tables; this
module is what the code reads and writes against, and a test checks that the
two agree.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

# ``Table.info`` of tables rebuilt from the source records at will: a backup
# leaves them out, a restore rebuilds them.
DERIVED = {"derived": True}

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

store_meta = Table(
    "store_meta",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

profile = Table(
    "profile",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="active"),
    # Salutation data set by staff; imported values live in the source records.
    Column("address_form", Text, nullable=False, server_default="unknown"),
    Column("title", Text),
    Column("gender", Text),
    Column("language", Text),
    CheckConstraint("status IN ('active', 'restricted')", name="status"),
    CheckConstraint("address_form IN ('du', 'Sie', 'unknown')", name="address_form"),
)

source_record = Table(
    "source_record",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("record_digest", LargeBinary, nullable=False),
    Column("profile_id", Integer, ForeignKey("profile.id"), nullable=False, index=True),
    Column("key_id", LargeBinary, nullable=False),
    Column("content_mac", LargeBinary, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("imported_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    UniqueConstraint("source", "record_digest"),
)

identifier = Table(
    "identifier",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "source_record_id",
        Integer,
        ForeignKey("source_record.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("profile_id", Integer, ForeignKey("profile.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("digest", LargeBinary, nullable=False),
    Index("ix_identifier_kind_digest", "kind", "digest"),
    Index("ix_identifier_profile_id", "profile_id"),
)

interaction = Table(
    "interaction",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "source_record_id",
        Integer,
        ForeignKey("source_record.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("profile_id", Integer, ForeignKey("profile.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("record_digest", LargeBinary, nullable=False),
    Column("occurred_at", Text, nullable=False),
    Column("channel", Text),
    Column("amount_minor", Integer),
    Column("currency", Text),
    Column("payload", LargeBinary, nullable=False),
    Column("imported_at", Text, nullable=False),
    CheckConstraint("kind IN ('purchase', 'message', 'post', 'ticket', 'campaign_touch')", name="kind"),
    UniqueConstraint("source_record_id", "record_digest"),
    Index("ix_interaction_profile_id_occurred_at", "profile_id", "occurred_at"),
    # Segments' history conditions (purchases in a period, of an amount) read this index alone.
    Index("ix_interaction_kind_occurred_at", "kind", "occurred_at", "profile_id", "amount_minor"),
)

# The business's product names, once each (``key`` is the name folded: ``cdp.products.key``), and which
# purchase names which product (``cdp.products``): not personal data, so that what is bought together can be
# counted in SQL; a purchase's link goes with the purchase, and with its details under a legal hold.
product = Table(
    "product",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("key", Text, nullable=False, unique=True),
)

purchase_product = Table(
    "purchase_product",
    metadata,
    Column("interaction_id", Integer, ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", Integer, ForeignKey("product.id"), primary_key=True),
    Index("ix_purchase_product_product_id", "product_id"),
)

import_run = Table(
    "import_run",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("format", Text, nullable=False),
    Column("file_digest", Text, nullable=False),
    Column("started_at", Text, nullable=False),
    Column("finished_at", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("actor", Text, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("object_type", Text),
    Column("object_id", Text),
    Column("details", Text, nullable=False, server_default="{}"),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
)

user_account = Table(
    "user_account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("language", Text),
    Column("created_at", Text, nullable=False),
    Column("disabled_at", Text),
    CheckConstraint("role IN ('admin', 'dpo', 'sales', 'marketing')", name="role"),
)

web_session = Table(
    "web_session",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("user_id", Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", Text, nullable=False),
    Column("last_seen_at", Text, nullable=False),
)

sign_in_attempt = Table(
    "sign_in_attempt",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("account", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_sign_in_attempt_account_at", "account", "at"),
    Index("ix_sign_in_attempt_address_at", "address", "at"),
)

api_token = Table(
    "api_token",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("token_hash", LargeBinary, nullable=False, unique=True),
    Column("created_at", Text, nullable=False),
    Column("revoked_at", Text),
)

# Keyed hashes of folded name prefixes and identifiers, for search as you
# type, pointing at source records (whose profile may change). Derived from
# the source records and rebuilt from them at will; one B-tree, no rowid.
# What the terms are (``cdp.profiles.search``) has a version, kept in
# ``store_meta`` as ``search_index``: 2 added cities and postcodes, 3 the words of email addresses.
SEARCH_INDEX_VERSION = "3"
search_token = Table(
    "search_token",
    metadata,
    Column("digest", LargeBinary, primary_key=True),
    Column(
        "source_record_id",
        Integer,
        ForeignKey("source_record.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index("ix_search_token_source_record_id", "source_record_id"),
    sqlite_with_rowid=False,
    info=DERIVED,
)

# Why two source records sit in one profile: the method, the score and the
# evidence in words-to-be (comparison levels and identifier kinds, no values).
profile_link = Table(
    "profile_link",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("profile_id", Integer, ForeignKey("profile.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("left_record_id", Integer, ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False),
    Column("right_record_id", Integer, ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False),
    Column("method", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    CheckConstraint("method IN ('identifier', 'model', 'staff')", name="method"),
    Index("ix_profile_link_left_record_id", "left_record_id"),
    Index("ix_profile_link_right_record_id", "right_record_id"),
)

# What staff decided about a pair of records; automatic runs never undo it.
link_decision = Table(
    "link_decision",
    metadata,
    Column("left_record_id", Integer, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("right_record_id", Integer, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("decision", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("decided_at", Text, nullable=False),
    CheckConstraint("decision IN ('join', 'apart')", name="decision"),
    CheckConstraint("left_record_id < right_record_id", name="ordered"),
    Index("ix_link_decision_right_record_id", "right_record_id"),
)

# Every staff correction of identity (a split, a join, a review decision, an undo), so that it can be shown
# and undone: which records, the profiles before and after, who and when. ``before`` and ``after`` hold
# what the correction changed as JSON (record ids, profile rows, decisions, links: ids and levels, no
# values), so that an undo can put back exactly the earlier state. No foreign keys: the history keeps
# naming records and profiles that have since gone (an undo then refuses).
identity_history = Table(
    "identity_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("record_ids", Text, nullable=False),
    Column("profiles_before", Text, nullable=False),
    Column("profiles_after", Text, nullable=False),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    Column("undoes", Integer),
    Column("undone_by", Integer),
    CheckConstraint("kind IN ('split', 'join', 'review_join', 'review_apart', 'undo')", name="kind"),
)

# Pairs the match model is unsure of (between its thresholds), for staff.
review_pair = Table(
    "review_pair",
    metadata,
    Column("left_record_id", Integer, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("right_record_id", Integer, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("probability", Float, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Index("ix_review_pair_right_record_id", "right_record_id"),
)

# The match model's blocking keys (keyed hashes of e.g. "surname + first
# initial"), so that a new record finds the records it must be compared with
# through an index instead of a batch run. ``rule`` numbers the blocking rule;
# rules that are only counted give the model its name frequencies. Derived
# from the source records and rebuilt from them at will.
blocking_key = Table(
    "blocking_key",
    metadata,
    Column("rule", Integer, primary_key=True),
    Column("digest", LargeBinary, primary_key=True),
    Column(
        "source_record_id",
        Integer,
        ForeignKey("source_record.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index("ix_blocking_key_source_record_id", "source_record_id"),
    sqlite_with_rowid=False,
    info=DERIVED,
)

# Consent, append-only: each grant or withdrawal for a purpose and channel,
# attached to the source record it came with (so it follows that record when
# identity resolution joins or splits profiles). The proof (double-opt-in
# time, text version, form, staff reason) is sealed with the record's key.
consent_event = Table(
    "consent_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_record_id", Integer, ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("purpose", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("origin", Text, nullable=False),
    Column("effective_at", Text, nullable=False),
    Column("recorded_at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("proof", LargeBinary, nullable=False),
    CheckConstraint("action IN ('granted', 'withdrawn')", name="action"),
    CheckConstraint(
        "legal_basis IN ('consent', 'contract', 'legitimate_interest', 'legal_obligation')", name="legal_basis"
    ),
)

# Consent as it stands: per profile, purpose and channel, the action of the latest event of any of its
# records. Kept by triggers on ``consent_event`` and ``source_record`` (migration 0015), read by the
# consent gate and segments instead of ranking the ledger on every read.
consent_state = Table(
    "consent_state",
    metadata,
    Column("profile_id", Integer, primary_key=True),
    Column("purpose", Text, primary_key=True),
    Column("channel", Text, primary_key=True),
    Column("action", Text, nullable=False),
    Index("ix_consent_state_purpose_channel", "purpose", "channel", "action", "profile_id"),
)

# Data-subject requests (Art. 15-22 GDPR). The requester's details are sealed
# with a key of the request's own, so a closed request can be erased too.
dsr_request = Table(
    "dsr_request",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("received_on", Text, nullable=False),
    Column("due_on", Text, nullable=False),
    Column("extension_reason", Text),
    Column("status", Text, nullable=False, server_default="open"),
    Column("key_id", LargeBinary, nullable=False),
    Column("requester", LargeBinary, nullable=False),
    Column("verified_how", Text),
    Column("verified_by", Text),
    Column("verified_at", Text),
    Column("opened_by", Text, nullable=False),
    Column("closed_at", Text),
    Column("outcome", Text),
    CheckConstraint(
        "kind IN ('access', 'portability', 'erasure', 'rectification', 'restriction', 'objection')", name="kind"
    ),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
)

# The profiles the DPO confirmed as the requester. No foreign key: an erased
# profile is gone, and the request must still say which one it was.
dsr_subject = Table(
    "dsr_subject",
    metadata,
    Column("request_id", Integer, ForeignKey("dsr_request.id", ondelete="CASCADE"), primary_key=True),
    Column("profile_id", Integer, primary_key=True),
    Column("confirmed_by", Text, nullable=False),
    Column("confirmed_at", Text, nullable=False),
)

# Identifiers of erased people as keyed hashes (as in ``identifier``), so a
# later import of the same person is held back instead of re-creating them.
suppression = Table(
    "suppression",
    metadata,
    Column("digest", LargeBinary, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("request_id", Integer),
    Column("added_at", Text, nullable=False),
    sqlite_with_rowid=False,
)

# How long each category of data is kept, and why; edited by the DPO.
retention_rule = Table(
    "retention_rule",
    metadata,
    Column("category", Text, primary_key=True),
    Column("months", Integer, nullable=False),
    Column("legal_reason", Text, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("months > 0", name="months"),
)

# How the columns of a source's files map to fields, saved by staff on the import page and offered again for
# the next file of that source with the same ``layout``: the recognised export's key, or a keyed hash of the
# header. The mapping names columns, and a file without a header has a person's values there: it is sealed
# with a key of the mapping's own (``cdp.ingest.mappings``).
import_mapping = Table(
    "import_mapping",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("layout", Text, nullable=False),
    Column("key_id", LargeBinary, nullable=False),
    Column("mapping", LargeBinary, nullable=False),
    Column("saved_by", Text, nullable=False),
    Column("saved_at", Text, nullable=False),
    CheckConstraint("kind IN ('contacts', 'purchases', 'messages')", name="kind"),
    UniqueConstraint("source", "kind", "layout"),
)


# Per profile, what its purchases and other interactions add up to, for the customer list and segments
# (``marketing.rollups``). Kept by triggers on ``interaction`` (migration 0011), so every path that writes,
# moves or deletes an interaction (imports, joins and splits, erasure, retention, restore) keeps it right;
# figures and times only, like ``interaction``'s own plain columns. Revenue counts the purchases in the
# store's currency (``CDP_CURRENCY`` at the time the trigger was made: see ``marketing.rollups``).
profile_rollup = Table(
    "profile_rollup",
    metadata,
    Column("profile_id", Integer, ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True),
    Column("orders", Integer, nullable=False, server_default="0"),
    Column("revenue_minor", Integer, nullable=False, server_default="0"),
    Column("first_purchase_at", Text),
    Column("last_purchase_at", Text),
    Column("interactions", Integer, nullable=False, server_default="0"),
    Column("last_activity_at", Text),
    Index("ix_profile_rollup_orders", "orders"),
    Index("ix_profile_rollup_revenue_minor", "revenue_minor"),
    Index("ix_profile_rollup_last_purchase_at", "last_purchase_at"),
    Index("ix_profile_rollup_last_activity_at", "last_activity_at"),
)

# Which products each profile bought (how many of its purchases name each), and for every two products how
# many customers bought both: kept by triggers on ``purchase_product`` and ``interaction`` (migration 0014), so
# that imports, joins, splits, erasure and retention keep them right, for ``marketing.offers``.
profile_product = Table(
    "profile_product",
    metadata,
    Column("profile_id", Integer, primary_key=True),
    Column("product_id", Integer, primary_key=True),
    Column("purchases", Integer, nullable=False),
    Index("ix_profile_product_product_id", "product_id"),
)

co_purchase = Table(
    "co_purchase",
    metadata,
    Column("product_id", Integer, primary_key=True),
    Column("other_id", Integer, primary_key=True),
    Column("customers", Integer, nullable=False),
    Index("ix_co_purchase_other_id", "other_id"),
)

# Segments: a definition (a JSON tree of groups and conditions, ``marketing.segments``) kept in versions,
# never rewritten: the newest version is the segment, the older ones say what it was when a snapshot was
# taken.
segment = Table(
    "segment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("archived_at", Text),
)

segment_version = Table(
    "segment_version",
    metadata,
    Column("segment_id", Integer, ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("definition", Text, nullable=False),
    Column("saved_by", Text, nullable=False),
    Column("saved_at", Text, nullable=False),
)


# A snapshot: the people a segment selected at one moment, frozen as a list for a campaign. Each member is
# named by a source record of theirs (``anchor``), so that a join or split later still finds the person, and
# an erasure takes them off the list with the record. The holdout is drawn when the snapshot is taken and
# never changes; members staff take out by hand stay on the list as taken out, with who and when.
snapshot = Table(
    "snapshot",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("segment_id", Integer, ForeignKey("segment.id", ondelete="SET NULL")),
    Column("segment_version", Integer),
    Column("definition", Text, nullable=False),
    Column("holdout_share", Float, nullable=False),
    Column("taken_by", Text, nullable=False),
    Column("taken_at", Text, nullable=False),
    Column("frozen_by", Text),
    Column("frozen_at", Text),
)

snapshot_member = Table(
    "snapshot_member",
    metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshot.id", ondelete="CASCADE"), primary_key=True),
    Column("anchor", Integer, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("holdout", Boolean, nullable=False),
    Column("excluded_by", Text),
    Column("excluded_at", Text),
    Index("ix_snapshot_member_anchor", "anchor"),
)

# A campaign: one frozen snapshot, one purpose and one channel, a message in German and English, what it cost,
# and when its audience was exported to be sent (the touch attribution counts from).
campaign = Table(
    "campaign",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("snapshot_id", Integer, ForeignKey("snapshot.id"), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("subject_de", Text, nullable=False, server_default=""),
    Column("body_de", Text, nullable=False, server_default=""),
    Column("subject_en", Text, nullable=False, server_default=""),
    Column("body_en", Text, nullable=False, server_default=""),
    Column("cost_minor", Integer, nullable=False, server_default="0"),
    Column("created_by", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("sent_by", Text),
    Column("sent_at", Text),
)


# What the mail tool's report says each recipient did with a campaign (one row per person and kind of
# response: the first time, and how many times the report counts), by the anchor record of their snapshot
# membership, so that an erasure takes it with the record.
campaign_response = Table(
    "campaign_response",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("anchor", Integer, ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("occurred_at", Text, nullable=False),
    Column("times", Integer, nullable=False),
    Index("ix_campaign_response_anchor", "anchor"),
)


def derived_tables() -> list[Table]:
    """The tables marked ``DERIVED``."""
    return [table for table in metadata.sorted_tables if table.info.get("derived")]


def dependents(parent: Table) -> list[tuple[Table, list[Column]]]:
    """Every table with a foreign key to ``parent``, and its columns that refer to it."""
    found = []
    for table in metadata.sorted_tables:
        columns = [key.parent for key in table.foreign_keys if key.column.table is parent]
        if columns:
            found.append((table, columns))
    return found

"""Unified profiles: what staff see of one person, assembled from source records.

A profile's golden record takes, for each field, the value its survivorship
rule chooses (``cdp.profiles.survivorship``); every other value stays visible as an
alternative, each with its source and the time it
was seen. Salutation preferences set by staff win over imported ones.
``read_for`` records in the audit log that a person read a profile; every
change is recorded there too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select, true, update

from cdp import audit, config, records
from cdp.clock import now
from cdp.errors import N_, InvalidValue, NotFound
from cdp.ingest.fields import CONTACT_FIELDS, IDENTIFIER_FIELDS, normalise_contact
from cdp.profiles import relevance, survivorship
from cdp.profiles.salutation import GENDERS, Addressee, gender_from
from cdp.profiles.search import SearchIndex
from cdp.staff.roles import SEES_RESTRICTED
from cdp.store.database import Store
from cdp.store.personal import Place
from cdp.store.schema import interaction, profile, source_record
from cdp.store.sql import in_chunks

PER_PAGE = 20
ADDRESS_FORMS = ("du", "Sie", "unknown")
LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class Observed:
    """One value of a field as one source record gave it."""

    value: str
    source: str
    record_id: int
    seen_at: str


@dataclass(frozen=True)
class SourceRef:
    record_id: int
    source: str
    source_record_id: str | None
    imported_at: str
    updated_at: str


@dataclass
class Profile:
    id: int
    status: str
    created_at: str
    updated_at: str
    fields: dict[str, Observed] = field(default_factory=dict)
    alternatives: dict[str, list[Observed]] = field(default_factory=dict)
    observations: dict[str, list[Observed]] = field(default_factory=dict)
    sources: list[SourceRef] = field(default_factory=list)
    staff: dict[str, str | None] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        observed = self.fields.get(name)
        return observed.value if observed else None

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.value("first_name"), self.value("last_name")) if part)
        return name or self.value("email") or next(iter(self.identifiers), ("", "—"))[1]

    @property
    def identifiers(self) -> list[tuple[str, str, str]]:
        """``(kind, value, sources)`` of every identifier, each once.

        Spellings that differ only in case (as emails often do) count as one.
        """
        found: dict[tuple[str, str], tuple[str, list[str]]] = {}
        for name in IDENTIFIER_FIELDS:
            for value in self.observations.get(name, []):
                _shown, sources = found.setdefault((name, value.value.casefold()), (value.value, []))
                if value.source not in sources:
                    sources.append(value.source)
        return [(kind, shown, ", ".join(sources)) for (kind, _), (shown, sources) in found.items()]

    @property
    def address_form(self) -> str:
        staff = self.staff.get("address_form")
        return staff if staff and staff != "unknown" else self.value("address_form") or "unknown"

    @property
    def title(self) -> str | None:
        return self.staff.get("title") or self.value("title")

    @property
    def gender(self) -> str | None:
        return self.staff.get("gender") or gender_from(self.value("gender"), self.value("salutation"))

    @property
    def language(self) -> str | None:
        return self.staff.get("language") or self.value("language")

    def addressee(self) -> Addressee:
        return Addressee(self.value("first_name"), self.value("last_name"), self.title, self.gender, self.address_form)


@dataclass(frozen=True)
class TimelineItem:
    id: int
    kind: str
    occurred_at: str
    channel: str | None
    amount_minor: int | None
    currency: str | None
    source: str
    details: dict | None


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    pages: int
    total: int


def load(store: Store, profile_id: int) -> Profile:
    """The whole profile; ``NotFound`` if there is none with this id."""
    with store.read() as connection:
        return _load(store, connection, profile_id)


def load_many(store: Store, profile_ids: list[int]) -> list[Profile]:
    """Many profiles at once, in the order given (missing ids are skipped)."""
    with store.read() as connection:
        found = {one.id: one for chunk in in_chunks(profile_ids, 500) for one in _load_many(store, connection, chunk)}
    return [found[profile_id] for profile_id in profile_ids if profile_id in found]


def _load(store: Store, connection: Connection, profile_id: int) -> Profile:
    found = _load_many(store, connection, [profile_id])
    if not found:
        raise NotFound(N_("There is no profile {profile_id}."), profile_id=profile_id)
    return found[0]


def _load_many(store: Store, connection: Connection, profile_ids: list[int]) -> list[Profile]:
    """The profiles with these ids, in the order given, in two queries."""
    rows = connection.execute(select(profile).where(profile.c.id.in_(profile_ids))).all()
    records = connection.execute(
        select(source_record).where(source_record.c.profile_id.in_(profile_ids)).order_by(source_record.c.id)
    ).all()
    store.personal.preload(bytes(record.key_id) for record in records)
    by_id = {row.id: _profile(row) for row in rows}
    observations: dict[int, dict[str, list[Observed]]] = {profile_id: {} for profile_id in by_id}
    for record in records:
        payload = _open_record(store, record)
        by_id[record.profile_id].sources.append(
            SourceRef(record.id, record.source, payload.get("id"), record.imported_at, record.updated_at)
        )
        for name, value in payload.get("fields", {}).items():
            seen = payload.get("seen", {}).get(name, record.updated_at)
            observations[record.profile_id].setdefault(name, []).append(Observed(value, record.source, record.id, seen))
    trust = source_trust()
    for profile_id, fields in observations.items():
        _choose(by_id[profile_id], fields, trust)
    return [by_id[profile_id] for profile_id in profile_ids if profile_id in by_id]


def held_records(store: Store, profile_id: int) -> list[dict]:
    """Every source record of a profile as it is held: fields, when each was seen, extra columns."""
    with store.read() as connection:
        records = connection.execute(
            select(source_record).where(source_record.c.profile_id == profile_id).order_by(source_record.c.id)
        ).all()
    held = []
    for record in records:
        payload = _open_record(store, record)
        held.append(
            {
                "source": record.source,
                "source_record_id": payload.get("id"),
                "imported_at": record.imported_at,
                "updated_at": record.updated_at,
                "fields": payload.get("fields", {}),
                "seen": payload.get("seen", {}),
                "extra": payload.get("extra", {}),
            }
        )
    return held


def rectify(store: Store, tx: Connection, profile_id: int, name: str, value: str, actor: str, region: str) -> list[int]:
    """Correct one field in every source record of a profile that holds it (Art. 16 GDPR), in the unit ``tx``.

    The value is normalised as an import would; identifiers and search terms
    follow, other derived rows (blocking keys) are dropped for their owners to
    make again (``cdp.records.replace_content``). Returns the changed records.
    """
    if name not in CONTACT_FIELDS:
        raise InvalidValue("field", N_("expected one of {choices}"), choices=", ".join(CONTACT_FIELDS))
    held = tx.execute(select(source_record).where(source_record.c.profile_id == profile_id)).all()
    stamp, changed = now(), []
    for record in held:
        payload = _open_record(store, record)
        if name not in payload.get("fields", {}):
            continue
        contact = normalise_contact({**payload["fields"], name: value}, region)
        after = {**payload, "fields": contact.fields, "seen": {**payload.get("seen", {}), name: stamp}}
        content = records.Content(after, list(contact.identifiers))
        records.replace_content(tx, store.personal, record._mapping, content, stamp, payload["fields"])
        changed.append(record.id)
    audit.record(tx, actor, "profile.rectified", "profile", profile_id, {"field": name, "records": len(changed)})
    return changed


def _profile(row) -> Profile:
    result = Profile(row.id, row.status, row.created_at, row.updated_at)
    result.staff = {name: getattr(row, name) for name in ("address_form", "title", "gender", "language")}
    return result


def _choose(result: Profile, observations: dict[str, list[Observed]], trust: tuple[str, ...]) -> None:
    result.observations = observations
    for name, values in observations.items():
        golden = survivorship.choose(name, values, trust)
        result.fields[name] = golden
        result.alternatives[name] = _distinct([value for value in values if value is not golden], golden.value)


def _open_record(store: Store, record) -> dict:
    place = Place("source_record", "payload", record.id)
    return store.personal.open(bytes(record.key_id), place, bytes(record.payload)) or {}


def source_trust() -> tuple[str, ...]:
    """Sources from most to least trusted (``CDP_SOURCE_TRUST``)."""
    return tuple(part.strip() for part in (config.setting("CDP_SOURCE_TRUST") or "").split(",") if part.strip())


def _distinct(values: list[Observed], golden_value: str) -> list[Observed]:
    seen = {golden_value}
    unique = []
    for value in sorted(values, key=lambda value: value.seen_at, reverse=True):
        if value.value not in seen:
            seen.add(value.value)
            unique.append(value)
    return unique


def visible_to(found: Profile, role: str) -> bool:
    """Processing of a restricted profile is limited to storage: only the DPO
    and admins see or change it."""
    return found.status != "restricted" or role in SEES_RESTRICTED


def visible(store: Store, profile_id: int, role: str) -> Profile:
    """The profile, if ``role`` may process it; else ``NotFound``, the very answer there is for no profile,
    so that nobody learns from it whose processing is restricted."""
    found = load(store, profile_id)
    if not visible_to(found, role):
        raise NotFound(N_("There is no profile {profile_id}."), profile_id=profile_id)
    return found


def read_for(store: Store, profile_id: int, actor: str, role: str) -> Profile:
    """``visible`` for a person, recording that they read the profile, or that they were refused."""
    try:
        found = visible(store, profile_id, role)
    except NotFound:
        audit.record_soon(store, actor, "profile.read_refused", "profile", profile_id)
        raise
    audit.record_soon(store, actor, "profile.read", "profile", profile_id)
    return found


@dataclass(frozen=True)
class Found:
    """A search's best fits, each with what matched (``relevance.Hit``), and how many profiles matched in all;
    only the first ``CANDIDATES`` of them (by id) are weighed."""

    hits: list[relevance.Hit]
    total: int

    @property
    def profiles(self) -> list[Profile]:
        return [hit.profile for hit in self.hits]


CANDIDATES = 200


def find(store: Store, query: str, region: str, limit: int = 20) -> Found:
    """The profiles matching every word of ``query`` (names, emails, phones, handles, customer numbers), the
    best fit first (``cdp.profiles.relevance``)."""
    with store.read() as connection:
        ids = SearchIndex(store.personal).find_all(connection, query, region)
        candidates = _load_many(store, connection, ids[:CANDIDATES])
    return Found(relevance.rank(candidates, query)[:limit], len(ids))


def search(store: Store, query: str, region: str, limit: int = 20) -> list[Profile]:
    """``find``'s profiles, the best fit first."""
    return find(store, query, region, limit).profiles


def search_for(store: Store, query: str, region: str, actor: str, limit: int = 20) -> Found:
    """``find`` a person, recorded in the audit log with the number of results (never the query, which is
    personal data itself)."""
    found = find(store, query, region, limit)
    audit.record_soon(store, actor, "profile.search", None, None, {"results": found.total})
    return found


def timeline(store: Store, profile_id: int, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the profile's interactions, newest first."""
    with store.read() as connection:
        total = connection.execute(
            select(func.count()).select_from(interaction).where(interaction.c.profile_id == profile_id)
        ).scalar_one()
        pages = max(1, math.ceil(total / per_page))
        number = min(max(1, number), pages)
        rows = connection.execute(
            select(interaction, source_record.c.source, source_record.c.key_id)
            .join(source_record, source_record.c.id == interaction.c.source_record_id)
            .where(interaction.c.profile_id == profile_id)
            .order_by(interaction.c.occurred_at.desc(), interaction.c.id.desc())
            .limit(per_page)
            .offset((number - 1) * per_page)
        ).all()
    items = [
        TimelineItem(
            row.id,
            row.kind,
            row.occurred_at,
            row.channel,
            row.amount_minor,
            row.currency,
            row.source,
            store.personal.open(bytes(row.key_id), Place("interaction", "payload", row.id), bytes(row.payload)),
        )
        for row in rows
    ]
    return Page(items, number, pages, total)


def set_salutation(
    store: Store,
    profile_id: int,
    actor: str,
    *,
    address_form: str,
    title: str | None,
    gender: str | None,
    language: str | None,
) -> None:
    """Record how staff want this person addressed."""
    if address_form not in ADDRESS_FORMS:
        raise InvalidValue("address_form", N_("expected du, Sie or unknown"))
    if gender not in (None, *GENDERS):
        raise InvalidValue("gender", N_("expected male, female or neutral"))
    if language not in (None, *LANGUAGES):
        raise InvalidValue("language", N_("expected de or en"))
    title = (title or "").strip() or None
    if title and len(title) > 40:
        raise InvalidValue("title", N_("a title has at most 40 characters"))
    with store.write() as connection:
        changed = connection.execute(
            update(profile)
            .where(profile.c.id == profile_id)
            .values(address_form=address_form, title=title, gender=gender, language=language, updated_at=now())
        ).rowcount
        if not changed:
            raise NotFound(N_("There is no profile {profile_id}."), profile_id=profile_id)
        audit.record(connection, actor, "profile.salutation", "profile", profile_id)


def export_page(store: Store, number: int, per_page: int, role: str, actor: str) -> tuple[list[Profile], int]:
    """Profiles ``per_page`` at a time by id, and how many there are in all.

    Restricted profiles are left out unless ``role`` may see them. Reading
    many profiles at once is an export, audited as one with its count.
    """
    condition = true() if role in SEES_RESTRICTED else profile.c.status != "restricted"
    with store.read() as connection:
        total = connection.execute(select(func.count()).select_from(profile).where(condition)).scalar_one()
        ids = connection.execute(
            select(profile.c.id).where(condition).order_by(profile.c.id).limit(per_page).offset((number - 1) * per_page)
        ).scalars()
        found = _load_many(store, connection, list(ids))
    with store.write() as connection:
        audit.record(connection, actor, "export", "profiles", None, {"count": len(found)})
    return found, total

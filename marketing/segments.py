"""Segments: a definition as data, checked, and compiled to one bound SQL condition on ``profile.id``.

A definition is a JSON tree a person builds in the browser (or an API client sends)::

    {"match": "all", "conditions": [
        {"field": "orders", "op": "at_least", "value": 2},
        {"field": "last_purchase", "op": "within_days", "value": 90},
        {"match": "any", "exclude": true, "conditions": [
            {"field": "consent", "op": "withdrawn", "value": {"purpose": "newsletter", "channel": "email"}}]}]}

A group matches ``all`` or ``any`` of its conditions (an empty group matches everyone, so a new segment
starts with all customers); ``exclude`` turns a group into "everyone but". Every field has a type, and
each type its operators (``OPERATORS``). ``parse`` checks a tree and says what is wrong where, by its
path (``conditions[2].value``); ``condition`` compiles a checked tree in this one place into a SQLAlchemy
expression whose values are all bound parameters, never text pasted into SQL.

Figures come from ``profile_rollup`` (orders, revenue, first and last purchase, last activity). History
conditions (purchases in a period, interactions of a kind) compile to ``profile.id IN (subquery)`` over
``interaction`` grouped once, on an index of kind and time, never a correlated ``EXISTS`` per profile.
Calendar dates are days in the business's time zone (``CDP_TIMEZONE``), turned into the UTC times the
store keeps, so that "bought on or after 29 March" starts at local midnight on either side of a change
to summer time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select, true

from cdp import products
from cdp.errors import N_, InvalidValue
from cdp.ingest.fields import IDENTIFIER_FIELDS
from cdp.profiles.search import POSTCODE_PREFIXES, place_key
from cdp.store.schema import (
    identifier,
    interaction,
    profile,
    profile_rollup,
    purchase_product,
    search_token,
    source_record,
)
from cdp.store.schema import product as product_table

MAX_DEPTH = 6
MAX_CONDITIONS = 60
KINDS = ("purchase", "message", "post", "ticket", "campaign_touch")
ADDRESS_FORMS = ("du", "Sie", "unknown")
LANGUAGES = ("de", "en")
IDENTIFIER_KINDS = tuple(name for name in IDENTIFIER_FIELDS if name != "mobile")  # a mobile is kept as a phone


class InvalidDefinition(InvalidValue):
    """A segment definition that cannot be used; ``field`` is the path to what is wrong in it
    (``conditions[2].value``), ``reason`` what was expected there."""

    def __init__(self, path: str, reason: str, /, **params: Any) -> None:
        super().__init__(path or "definition", reason, **params)


# Field types and their operators; each operator says what its value must be.

NUMBER_OPS = ("equals", "not_equals", "at_least", "at_most", "more_than", "less_than", "between", "empty", "set")
DATE_OPS = ("on_or_after", "before", "between", "within_days", "more_than_days_ago", "empty", "set")
CHOICE_OPS = ("is", "is_not", "in")
PRESENCE_OPS = ("has", "has_not")
CONSENT_OPS = ("granted", "not_granted", "withdrawn")
HISTORY_OPS = ("count_at_least", "count_at_most")
MEMBER_OPS = ("in", "not_in")
PLACE_OPS = ("is", "is_not")
OPERATORS = {"number": NUMBER_OPS, "money": NUMBER_OPS, "date": DATE_OPS, "choice": CHOICE_OPS,
             "presence": PRESENCE_OPS, "consent": CONSENT_OPS, "history": HISTORY_OPS,
             "segment": MEMBER_OPS, "place": PLACE_OPS}  # fmt: skip
NO_VALUE = ("empty", "set")


@dataclass(frozen=True)
class Field:
    """A field a condition can test: its type, and for choices the values it may take."""

    type: str
    choices: tuple[str, ...] = ()


FIELDS: dict[str, Field] = {
    "orders": Field("number"),
    "revenue": Field("money"),
    "average_basket": Field("money"),
    "interactions": Field("number"),
    "first_purchase": Field("date"),
    "last_purchase": Field("date"),
    "last_activity": Field("date"),
    "created": Field("date"),
    "address_form": Field("choice", ADDRESS_FORMS),
    "language": Field("choice", LANGUAGES),
    "source": Field("presence"),
    "identifier": Field("presence", IDENTIFIER_KINDS),
    "consent": Field("consent"),
    "purchases": Field("history"),
    "interactions_of_kind": Field("history", KINDS),
    "segment": Field("segment"),
    "city": Field("place"),
    "postcode": Field("place"),
}


# The checked tree.


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Group:
    match: str = "all"
    conditions: tuple[Group | Condition, ...] = ()
    exclude: bool = False

    def as_data(self) -> dict:
        """The JSON-able tree ``parse`` reads back."""
        data: dict[str, Any] = {"match": self.match, "conditions": [_as_data(item) for item in self.conditions]}
        if self.exclude:
            data["exclude"] = True
        return data


def _as_data(item: Group | Condition) -> dict:
    if isinstance(item, Group):
        return item.as_data()
    data = {"field": item.field, "op": item.op}
    if item.value is not None:
        data["value"] = item.value
    return data


EVERYONE = Group()


def loads(text: str) -> Group:
    """A definition from its JSON text; ``InvalidDefinition`` when it is no JSON or no valid definition."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise InvalidDefinition("", N_("not readable as JSON")) from error
    return parse(data)


def parse(data: Any) -> Group:
    """The checked tree of ``data``; ``InvalidDefinition`` names the first thing wrong and where."""
    counter = [0]
    return _group(data, "", 0, counter)


def _group(data: Any, path: str, depth: int, counter: list[int]) -> Group:
    if not isinstance(data, dict):
        raise InvalidDefinition(path, N_("expected a group with match and conditions"))
    if depth > MAX_DEPTH:
        raise InvalidDefinition(path, N_("groups may be nested {levels} deep at most"), levels=MAX_DEPTH)
    unknown = set(data) - {"match", "conditions", "exclude"}
    if unknown:
        raise InvalidDefinition(path, N_("unknown key {key}"), key=sorted(unknown)[0])
    match = data.get("match", "all")
    if match not in ("all", "any"):
        raise InvalidDefinition(_at(path, "match"), N_("expected all or any"))
    items = data.get("conditions", [])
    if not isinstance(items, list):
        raise InvalidDefinition(_at(path, "conditions"), N_("expected a list"))
    exclude = data.get("exclude", False)
    if not isinstance(exclude, bool):
        raise InvalidDefinition(_at(path, "exclude"), N_("expected true or false"))
    conditions = []
    for number, item in enumerate(items):
        where = f"{_at(path, 'conditions')}[{number}]"
        if isinstance(item, dict) and ("match" in item or "conditions" in item):
            conditions.append(_group(item, where, depth + 1, counter))
        else:
            counter[0] += 1
            if counter[0] > MAX_CONDITIONS:
                raise InvalidDefinition(where, N_("a segment has {most} conditions at most"), most=MAX_CONDITIONS)
            conditions.append(_condition(item, where))
    return Group(match, tuple(conditions), exclude)


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _condition(data: Any, path: str) -> Condition:
    if not isinstance(data, dict):
        raise InvalidDefinition(path, N_("expected a condition with field, op and value"))
    unknown = set(data) - {"field", "op", "value"}
    if unknown:
        raise InvalidDefinition(path, N_("unknown key {key}"), key=sorted(unknown)[0])
    name = data.get("field")
    if name not in FIELDS:
        raise InvalidDefinition(_at(path, "field"), N_("unknown field"))
    kind = FIELDS[name]
    op = data.get("op")
    if op not in OPERATORS[kind.type]:
        raise InvalidDefinition(_at(path, "op"), N_("expected one of {ops}"), ops=", ".join(OPERATORS[kind.type]))
    value = _value(kind, op, data.get("value"), _at(path, "value"))
    return Condition(name, op, value)


def _value(kind: Field, op: str, value: Any, path: str) -> Any:
    """The condition's value checked for its field type and operator (and made canonical)."""
    if op in NO_VALUE:
        return None
    check = VALUE_CHECKS[kind.type]
    return check(kind, op, value, path)


def _number(value: Any, path: str, low: float = 0) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or abs(value) > 1e12:
        raise InvalidDefinition(path, N_("expected a number"))
    if value < low:
        raise InvalidDefinition(path, N_("expected a number of at least {low}"), low=low)
    return value


def _numbers(kind: Field, op: str, value: Any, path: str) -> Any:
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidDefinition(path, N_("expected two numbers, from and to"))
        low, high = (_number(item, f"{path}[{index}]") for index, item in enumerate(value))
        return [min(low, high), max(low, high)]
    return _number(value, path)


def _day(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidDefinition(path, N_("expected a date as YYYY-MM-DD"))
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise InvalidDefinition(path, N_("expected a date as YYYY-MM-DD")) from error


def _dates(kind: Field, op: str, value: Any, path: str) -> Any:
    if op in ("within_days", "more_than_days_ago"):
        days = _number(value, path)
        if int(days) != days or days > 36500:
            raise InvalidDefinition(path, N_("expected a whole number of days"))
        return int(days)
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidDefinition(path, N_("expected two dates, from and to"))
        return sorted(_day(item, f"{path}[{index}]") for index, item in enumerate(value))
    return _day(value, path)


def _choices(kind: Field, op: str, value: Any, path: str) -> Any:
    if op == "in":
        if not isinstance(value, list) or not value:
            raise InvalidDefinition(path, N_("expected a list of values"))
        return sorted({_choice(kind, item, f"{path}[{index}]") for index, item in enumerate(value)})
    return _choice(kind, value, path)


def _choice(kind: Field, value: Any, path: str) -> str:
    if not isinstance(value, str) or (kind.choices and value not in kind.choices):
        raise InvalidDefinition(path, N_("expected one of {choices}"), choices=", ".join(kind.choices) or "a name")
    if not kind.choices and not 0 < len(value) <= 100:
        raise InvalidDefinition(path, N_("expected a name"))
    return value


def _consent(kind: Field, op: str, value: Any, path: str) -> dict:
    if not isinstance(value, dict) or set(value) != {"purpose", "channel"}:
        raise InvalidDefinition(path, N_("expected a purpose and a channel"))
    for name in ("purpose", "channel"):
        if not isinstance(value[name], str) or not 0 < len(value[name]) <= 50:
            raise InvalidDefinition(_at(path, name), N_("expected a name"))
    return {"purpose": value["purpose"], "channel": value["channel"]}


def _places(kind: Field, op: str, value: Any, path: str) -> list[str]:
    """One or more cities, or postcodes and their first two or three digits (``80331``, ``10`` for 10000 to
    10999, ``101``)."""
    listed = value if isinstance(value, list) else [value]
    if not listed or len(listed) > 100:
        raise InvalidDefinition(path, N_("expected one to a hundred places"))
    checked = []
    for index, item in enumerate(listed):
        where = f"{path}[{index}]" if isinstance(value, list) else path
        if kind is FIELDS["postcode"]:
            if not isinstance(item, str) or not item.strip().isdigit() or len(item.strip()) not in POSTCODE_PREFIXES:
                raise InvalidDefinition(where, N_("expected a postcode or its first two or three digits"))
            checked.append(item.strip())
        else:
            if not isinstance(item, str) or not place_key(item) or len(item) > 100:
                raise InvalidDefinition(where, N_("expected the name of a city"))
            checked.append(" ".join(item.split()))
    return sorted(set(checked))


def _history(kind: Field, op: str, value: Any, path: str) -> dict:
    """``{"count": n}`` with any of ``from``/``until`` (dates), ``within_days``, ``amount_at_least`` (a single
    purchase's amount), for purchases ``product`` (a name: purchases naming it, in any spelling
    ``cdp.products.key`` folds together) and for interactions ``kind``."""
    allowed = {"count", "from", "until", "within_days", "amount_at_least"} | ({"kind"} if kind.choices else {"product"})
    if not isinstance(value, dict) or "count" not in value or set(value) - allowed:
        keys = ", ".join(sorted(allowed - {"count"}))
        raise InvalidDefinition(path, N_("expected count and any of {keys}"), keys=keys)
    checked: dict[str, Any] = {"count": int(_number(value["count"], _at(path, "count")))}
    for name in ("from", "until"):
        if name in value:
            checked[name] = _day(value[name], _at(path, name))
    if "within_days" in value:
        checked["within_days"] = _dates(kind, "within_days", value["within_days"], _at(path, "within_days"))
    if "amount_at_least" in value:
        checked["amount_at_least"] = _number(value["amount_at_least"], _at(path, "amount_at_least"))
    if kind.choices:
        checked["kind"] = _choice(kind, value.get("kind"), _at(path, "kind"))
    if "product" in value:
        name = value["product"]
        if not isinstance(name, str) or not products.key(name) or len(name) > products.MAX_NAME:
            raise InvalidDefinition(_at(path, "product"), N_("expected the name of a product"))
        checked["product"] = " ".join(name.split())
    return checked


def _segment(kind: Field, op: str, value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidDefinition(path, N_("expected the number of a segment"))
    return value


VALUE_CHECKS: dict[str, Callable[[Field, str, Any, str], Any]] = {
    "number": _numbers, "money": _numbers, "date": _dates, "choice": _choices, "presence": _choices,
    "consent": _consent, "history": _history, "segment": _segment, "place": _places,
}  # fmt: skip


# Compiling.


@dataclass
class Context:
    """What compiling needs besides the tree: the business's time zone and today there, how to find the
    profiles whose consent stands (``consent.repository.consent_profiles``, handed in), the definitions
    of other segments, for membership, and the search index's keyed hash, for location conditions."""

    zone: ZoneInfo
    today: date
    consent_profiles: Callable[[str, str, str], Any]
    definition_of: Callable[[int], Group]
    term_digest: Callable[[str], bytes] | None = None  # the search index's keyed hash, for location conditions
    _compiling: list[int] = field(default_factory=list)


def condition(group: Group, context: Context) -> ColumnElement[bool]:
    """The SQL condition selecting the profiles of ``group``, over ``profile`` outer-joined to
    ``profile_rollup`` (``members``)."""
    parts = [_compile(item, context) for item in group.conditions]
    joined = (and_(true(), *parts) if group.match == "all" else or_(false(), *parts)) if parts else true()
    return not_(joined) if group.exclude else joined


def members(group: Group, context: Context, with_restricted: bool = False):
    """``SELECT profile.id`` of the profiles ``group`` selects (restricted ones only ``with_restricted``)."""
    query = select(profile.c.id).select_from(profile.outerjoin(profile_rollup)).where(condition(group, context))
    return query if with_restricted else query.where(profile.c.status != "restricted")


def _compile(item: Group | Condition, context: Context) -> ColumnElement[bool]:
    if isinstance(item, Group):
        return condition(item, context)
    return COMPILERS[FIELDS[item.field].type](item, context)


ROLLUP_NUMBERS = {
    "orders": func.coalesce(profile_rollup.c.orders, 0),
    "interactions": func.coalesce(profile_rollup.c.interactions, 0),
    "revenue": func.coalesce(profile_rollup.c.revenue_minor, 0),
    "average_basket": profile_rollup.c.revenue_minor / func.nullif(profile_rollup.c.orders, 0),
}
ROLLUP_TIMES = {
    "first_purchase": profile_rollup.c.first_purchase_at,
    "last_purchase": profile_rollup.c.last_purchase_at,
    "last_activity": profile_rollup.c.last_activity_at,
    "created": profile.c.created_at,
}


def _number_condition(item: Condition, context: Context) -> ColumnElement[bool]:
    column = ROLLUP_NUMBERS[item.field]
    scale = 100 if FIELDS[item.field].type == "money" else 1  # money in the currency's units, stored in cents

    def scaled(value: float) -> float:
        return value * scale

    op, value = item.op, item.value
    if op == "empty":
        return column.is_(None) if item.field == "average_basket" else column == 0
    if op == "set":
        return column.is_not(None) if item.field == "average_basket" else column != 0
    if op == "between":
        return column.between(scaled(value[0]), scaled(value[1]))
    compare = {"equals": column.__eq__, "not_equals": column.__ne__, "at_least": column.__ge__,
               "at_most": column.__le__, "more_than": column.__gt__, "less_than": column.__lt__}  # fmt: skip
    return compare[op](scaled(value))


def utc_start(day: str | date, zone: ZoneInfo) -> str:
    """The UTC time, as the store writes it, at which ``day`` begins in ``zone``."""
    local = datetime.combine(date.fromisoformat(day) if isinstance(day, str) else day, time(), tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None).isoformat()


def _after(days_ago: int, context: Context) -> str:
    return utc_start(context.today - timedelta(days=days_ago), context.zone)


def _date_condition(item: Condition, context: Context) -> ColumnElement[bool]:
    column = ROLLUP_TIMES[item.field]
    op, value = item.op, item.value
    if op in NO_VALUE:
        return column.is_(None) if op == "empty" else column.is_not(None)
    if op == "within_days":
        return column >= _after(value, context)
    if op == "more_than_days_ago":
        return column < _after(value, context)
    if op == "between":  # both days included: from the start of the first to the start of the day after the last
        last = date.fromisoformat(value[1]) + timedelta(days=1)
        return and_(column >= utc_start(value[0], context.zone), column < utc_start(last, context.zone))
    if op == "on_or_after":
        return column >= utc_start(value, context.zone)
    return column < utc_start(value, context.zone)


def _choice_condition(item: Condition, context: Context) -> ColumnElement[bool]:
    column = profile.c.address_form if item.field == "address_form" else profile.c.language
    if item.op == "in":
        return column.in_(item.value)
    return column == item.value if item.op == "is" else or_(column != item.value, column.is_(None))


def _presence_condition(item: Condition, context: Context) -> ColumnElement[bool]:
    if item.field == "source":
        holders = select(source_record.c.profile_id).where(_is(source_record.c.source, item.value))
    else:
        holders = select(identifier.c.profile_id).where(_is(identifier.c.kind, item.value))
    return profile.c.id.in_(holders) if item.op == "has" else profile.c.id.not_in(holders)


def _is(column, value: str | list[str]) -> ColumnElement[bool]:
    return column.in_(value) if isinstance(value, list) else column == value


def _place_condition(item: Condition, context: Context) -> ColumnElement[bool]:
    """Profiles with a record in one of the cities, or with a postcode beginning so: the index's keyed hashes
    of whole cities and postcode beginnings (``cdp.profiles.search``), never the place in plain text."""
    if context.term_digest is None:
        raise InvalidDefinition("", N_("location conditions need the store's search index"))
    prefix = "c:" if item.field == "city" else "p:"
    terms = [prefix + (place_key(value) if item.field == "city" else value) for value in item.value]
    holders = (
        select(source_record.c.profile_id)
        .join(search_token, search_token.c.source_record_id == source_record.c.id)
        .where(search_token.c.digest.in_([context.term_digest(term) for term in terms]))
    )
    return profile.c.id.in_(holders) if item.op == "is" else profile.c.id.not_in(holders)


def _consent_condition(item: Condition, context: Context) -> ColumnElement[bool]:
    purpose, channel = item.value["purpose"], item.value["channel"]
    if item.op == "not_granted":
        return profile.c.id.not_in(context.consent_profiles(purpose, channel, "granted"))
    return profile.c.id.in_(context.consent_profiles(purpose, channel, item.op))


def _history_condition(item: Condition, context: Context) -> ColumnElement[bool]:
    """Profiles with at least (or at most) ``count`` interactions of a kind in a period: one grouped
    subquery over the interaction index on kind and time."""
    value = item.value
    kind = value.get("kind", "purchase")
    where = [interaction.c.kind == kind]
    if "from" in value:
        where.append(interaction.c.occurred_at >= utc_start(value["from"], context.zone))
    if "until" in value:
        after = date.fromisoformat(value["until"]) + timedelta(days=1)
        where.append(interaction.c.occurred_at < utc_start(after, context.zone))
    if "within_days" in value:
        where.append(interaction.c.occurred_at >= _after(value["within_days"], context))
    if "amount_at_least" in value:
        where.append(interaction.c.amount_minor >= value["amount_at_least"] * 100)
    if "product" in value:
        naming = select(purchase_product.c.interaction_id).join(product_table).where(
            product_table.c.key == products.key(value["product"])
        )
        where.append(interaction.c.id.in_(naming))
    counted = select(interaction.c.profile_id).where(*where).group_by(interaction.c.profile_id)
    if item.op == "count_at_least":
        if value["count"] <= 0:
            return true()
        return profile.c.id.in_(counted.having(func.count() >= value["count"]))
    return profile.c.id.not_in(counted.having(func.count() > value["count"]))


def _segment_condition(item: Condition, context: Context) -> ColumnElement[bool]:
    """Membership of another segment, compiled from its newest definition; a segment that refers to itself,
    through any number of others, is refused."""
    if item.value in context._compiling:
        raise InvalidDefinition("", N_("segment {segment} refers to itself through its conditions"),
                                segment=item.value)  # fmt: skip
    context._compiling.append(item.value)
    try:
        inner = condition(context.definition_of(item.value), context)
    finally:
        context._compiling.pop()
    holders = select(profile.c.id).select_from(profile.outerjoin(profile_rollup)).where(inner)
    return profile.c.id.in_(holders) if item.op == "in" else profile.c.id.not_in(holders)


COMPILERS: dict[str, Callable[[Condition, Context], ColumnElement[bool]]] = {
    "number": _number_condition, "money": _number_condition, "date": _date_condition,
    "choice": _choice_condition, "presence": _presence_condition, "consent": _consent_condition,
    "place": _place_condition,
    "history": _history_condition, "segment": _segment_condition,
}  # fmt: skip

"""The segment builder's form: a definition as plain form fields, and form fields back as a definition.

The builder works without JavaScript: every row of the tree is a set of fields named by its path (``2`` is
the top group's third item, ``2.0`` the first item of that subgroup), and the buttons that add or remove
a row post the whole form back, which is re-rendered with the change. htmx posts the same form as you type
and swaps in the builder with its live count. Groups nest one level below the top: deeper trees are kept
and counted, and edited as JSON.

``definition_from`` turns the fields into the data ``marketing.segments.parse`` checks; a value that does
not read as its type is passed on as typed, so that ``parse`` refuses it with the path of its row, which
``row_of`` gives back for the error to stand next to the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from cdp import config
from marketing import segments
from marketing.segments import Condition, Group

FIELD_LABELS = {
    "orders": _l("Orders"),
    "revenue": _l("Revenue"),
    "average_basket": _l("Average basket"),
    "interactions": _l("Interactions (all channels)"),
    "first_purchase": _l("First purchase (customer since)"),
    "last_purchase": _l("Last purchase"),
    "last_activity": _l("Last activity"),
    "created": _l("In Kundenbild since"),
    "address_form": _l("Form of address (du/Sie)"),
    "language": _l("Language"),
    "source": _l("Source"),
    "identifier": _l("Contact detail"),
    "consent": _l("Consent"),
    "purchases": _l("Purchases in a period"),
    "interactions_of_kind": _l("Messages, posts or tickets in a period"),
    "segment": _l("Another segment"),
    "city": _l("City"),
    "postcode": _l("Postcode (or its first two or three digits)"),
}
OP_LABELS = {
    "equals": _l("is"), "not_equals": _l("is not"), "at_least": _l("at least"), "at_most": _l("at most"),
    "more_than": _l("more than"), "less_than": _l("less than"), "between": _l("between"),
    "empty": _l("none"), "set": _l("any"), "on_or_after": _l("on or after"), "before": _l("before"),
    "within_days": _l("within the last … days"), "more_than_days_ago": _l("more than … days ago"),
    "is": _l("is"), "is_not": _l("is not"), "in": _l("one of"), "has": _l("has"), "has_not": _l("has no"),
    "granted": _l("granted"), "not_granted": _l("not granted"), "withdrawn": _l("withdrawn"),
    "count_at_least": _l("at least … times"), "count_at_most": _l("at most … times"), "not_in": _l("not in"),
}  # fmt: skip
DATE_OPS_WITH_DAYS = ("within_days", "more_than_days_ago")
HISTORY_KEYS = ("count", "from", "until", "within_days", "amount_at_least", "product", "kind")
_PATH = re.compile(r"^(\d{1,2})(?:\.(\d{1,2}))?$")


def definition_from(form: Mapping[str, str]) -> dict:
    """The definition the builder's fields describe (``marketing.segments.parse`` checks it)."""
    top: dict[str, Any] = {"match": form.get("match", "all"), "conditions": []}
    groups: dict[int, dict] = {}
    for path in _paths(form):
        first, second = path
        if second is None and form.get(f"{first}.kind") == "group":
            groups[first] = {"match": form.get(f"{first}.match", "all"), "conditions": [],
                             "exclude": form.get(f"{first}.exclude") == "on"}  # fmt: skip
            top["conditions"].append(groups[first])
        elif second is None:
            top["conditions"].append(_condition(form, str(first)))
        elif first in groups:
            groups[first]["conditions"].append(_condition(form, f"{first}.{second}"))
    return top


def _paths(form: Mapping[str, str]) -> list[tuple[int, int | None]]:
    """The rows the form holds, in their order (a row is known by its ``field`` or ``kind``)."""
    found = set()
    for name in form:
        row, _, key = name.rpartition(".")
        match = _PATH.match(row)
        if match and key in ("field", "kind"):
            found.add((int(match[1]), int(match[2]) if match[2] is not None else None))
    return sorted(found, key=lambda path: (path[0], -1 if path[1] is None else path[1]))


def _condition(form: Mapping[str, str], row: str) -> dict:
    field = form.get(f"{row}.field", "")
    op = form.get(f"{row}.op", "")
    kind = segments.FIELDS.get(field)
    condition: dict[str, Any] = {"field": field, "op": op}
    if kind is not None and op not in segments.OPERATORS[kind.type]:
        # The field was changed to one of another type: its first operator and a value to start from.
        condition["op"] = segments.OPERATORS[kind.type][0]
        condition["value"] = STARTING_VALUES[kind.type](kind)
        return condition
    if kind is None or op in segments.NO_VALUE:
        return condition
    condition["value"] = VALUES[kind.type](form, row, op)
    return condition


def _number(text: str) -> Any:
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        return float(cleaned) if "." in cleaned else int(cleaned)
    except ValueError:
        return text


def _numbers(form: Mapping[str, str], row: str, op: str) -> Any:
    if op == "between":
        return [_number(form.get(f"{row}.value", "")), _number(form.get(f"{row}.value2", ""))]
    return _number(form.get(f"{row}.value", ""))


def _dates(form: Mapping[str, str], row: str, op: str) -> Any:
    if op in DATE_OPS_WITH_DAYS:
        return _number(form.get(f"{row}.value", ""))
    if op == "between":
        return [form.get(f"{row}.value", ""), form.get(f"{row}.value2", "")]
    return form.get(f"{row}.value", "")


def _choices(form: Mapping[str, str], row: str, op: str) -> Any:
    value = form.get(f"{row}.value", "")
    return [part.strip() for part in value.split(",") if part.strip()] if op == "in" else value


def _consent(form: Mapping[str, str], row: str, op: str) -> dict:
    return {"purpose": form.get(f"{row}.purpose", ""), "channel": form.get(f"{row}.channel", "")}


def _history(form: Mapping[str, str], row: str, op: str) -> dict:
    value: dict[str, Any] = {}
    for key in HISTORY_KEYS:
        text = form.get(f"{row}.{key}", "").strip()
        if text:
            value[key] = _number(text) if key in ("count", "within_days", "amount_at_least") else text
    value.setdefault("count", 1)
    return value


def _segment(form: Mapping[str, str], row: str, op: str) -> Any:
    return _number(form.get(f"{row}.value", ""))


def _places(form: Mapping[str, str], row: str, op: str) -> list[str]:
    return [part.strip() for part in form.get(f"{row}.value", "").split(",") if part.strip()]


VALUES = {"number": _numbers, "money": _numbers, "date": _dates, "choice": _choices, "presence": _choices,
          "consent": _consent, "history": _history, "segment": _segment, "place": _places}  # fmt: skip


STARTING_VALUES = {
    "number": lambda kind: 1, "money": lambda kind: 100, "date": lambda kind: 30,
    "choice": lambda kind: kind.choices[0], "presence": lambda kind: kind.choices[0] if kind.choices else "",
    "consent": lambda kind: {"purpose": config.purposes()[0], "channel": "email"},
    "history": lambda kind: {"count": 1, "within_days": 365} | ({"kind": "message"} if kind.choices else {}),
    "segment": lambda kind: 0, "place": lambda kind: [],
}  # fmt: skip


def changed(form: Mapping[str, str], action: str) -> dict:
    """The definition after one of the builder's buttons: ``add``, ``add_group``, ``add:<group>`` (a condition
    into a subgroup) or ``remove:<row>``; anything else leaves it as the fields say."""
    data = definition_from(form)
    items = data["conditions"]
    new = {"field": "orders", "op": "at_least", "value": 1}
    if action == "add":
        items.append(new)
    elif action == "add_group":
        items.append({"match": "any", "conditions": [dict(new)]})
    elif action.startswith("add:") and action[4:].isdigit() and int(action[4:]) < len(items):
        group = items[int(action[4:])]
        if "conditions" in group:
            group["conditions"].append(new)
    elif action.startswith("remove:"):
        _remove(items, action[7:])
    return data


def _remove(items: list, row: str) -> None:
    match = _PATH.match(row)
    if not match:
        return
    first = int(match[1])
    if match[2] is None:
        if first < len(items):
            del items[first]
    elif first < len(items) and "conditions" in items[first] and int(match[2]) < len(items[first]["conditions"]):
        del items[first]["conditions"][int(match[2])]


def row_of(path: str) -> str:
    """The builder's row of an error path of ``marketing.segments`` (``conditions[2].conditions[0].value``
    is row ``2.0``); the top for paths outside any condition."""
    numbers = re.findall(r"conditions\[(\d+)\]", path)
    return ".".join(numbers[:2])


def row_label(path: str) -> str:
    """A row's path as people count: ``2.0`` is condition 3.1."""
    return ".".join(str(int(part) + 1) for part in path.split(".") if part.isdigit()) or "–"


def rows(group: Group) -> list[tuple[str, Group | Condition]]:
    """The builder's rows of a definition, each with its path: the top group's items and one level below."""
    found: list[tuple[str, Group | Condition]] = []
    for first, item in enumerate(group.conditions):
        found.append((str(first), item))
        if isinstance(item, Group):
            found += [(f"{first}.{second}", inner) for second, inner in enumerate(item.conditions)]
    return found


def fits_the_builder(group: Group) -> bool:
    """Whether the builder can show every part of ``group`` (groups nest one level below the top)."""
    return all(
        isinstance(item, Condition) or all(isinstance(inner, Condition) for inner in item.conditions)
        for item in group.conditions
    ) and not group.exclude

"""Segment exports and campaign audiences, through the consent gate.

Whatever leaves Kundenbild for a purpose goes through ``ledger.audience``:
only people whose latest consent event for that purpose and channel grants
it, and whose processing is not restricted. The export says how many were
left out and why.
"""

from __future__ import annotations

from cdp.profiles import unified as profiles
from cdp.store.database import Store
from consent import ledger, repository

ADDRESS_OF = {
    "email": ("email",),
    "phone": ("phone", "mobile"),
    "sms": ("mobile", "phone"),
    "post": ("street", "house_number", "postcode", "city", "country"),
    "social": ("x", "instagram", "facebook", "xing", "linkedin"),
}
COLUMNS = ("profile_id", "first_name", "last_name", "title", "address_form")


def contacts(
    store: Store, purpose: str, channel: str, actor: str, profile_ids: list[int] | None = None
) -> tuple[list[dict], ledger.Audience]:
    """One row per person who may be contacted for ``purpose`` by ``channel``, and the audience behind it.

    People without an address for the channel are left out too ("no address").
    The audience is one read unit, the profiles another (``cdp.profiles.unified.load_many``
    opens its own), the audit entry of the export a write unit of its own.
    """
    audience = ledger.audience(store, profile_ids, purpose, channel)
    rows = []
    for found in profiles.load_many(store, audience.included):
        address = {name: found.value(name) or "" for name in ADDRESS_OF[channel]}
        if not any(address.values()):
            audience.left_out["no address"] = audience.left_out.get("no address", 0) + 1
            continue
        rows.append({"profile_id": found.id, "first_name": found.value("first_name") or "",
                     "last_name": found.value("last_name") or "", "title": found.title or "",
                     "address_form": found.address_form, **address})  # fmt: skip
    left_out = {f"left_out_{reason.replace(' ', '_')}": count for reason, count in audience.left_out.items()}
    with store.write() as tx:
        repository.audit_export(tx, actor, {"purpose": purpose, "channel": channel, "count": len(rows), **left_out})
    return rows, audience

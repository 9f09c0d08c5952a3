"""Language: the user's choice, else the browser's, in German or English.

Dates, numbers and money are formatted by Babel for the chosen locale.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import g, request, session
from flask_babel import format_currency, format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

LANGUAGES = ("de", "en")


def select_locale() -> str:
    """The signed-in user's language, else the session's, else Accept-Language."""
    user = g.get("user")
    if user is not None and user.language in LANGUAGES:
        return user.language
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def money(amount_minor: int | None, currency: str | None) -> str:
    if amount_minor is None:
        return ""
    return format_currency(amount_minor / 100, currency or "EUR")


def when(value: str | None, with_time: bool = False) -> str:
    """An ISO date or timestamp from the store, formatted for the locale."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    if with_time and (moment.hour or moment.minute):
        return format_datetime(moment, "short")
    return format_date(moment.date() if isinstance(moment, datetime) else date.fromisoformat(value), "medium")


FIELD_LABELS = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "title": _l("Title"),
    "salutation": _l("Salutation"),
    "gender": _l("Gender"),
    "birth_date": _l("Birth date"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "mobile": _l("Mobile"),
    "street": _l("Street"),
    "house_number": _l("House number"),
    "address_extra": _l("Address extra"),
    "postcode": _l("Postcode"),
    "city": _l("City"),
    "region": _l("Region"),
    "country": _l("Country"),
    "company": _l("Company"),
    "job_title": _l("Job title"),
    "customer_number": _l("Customer number"),
    "facebook": "Facebook",
    "x": "X",
    "xing": "XING",
    "linkedin": "LinkedIn",
    "instagram": "Instagram",
    "website": _l("Website"),
    "language": _l("Language"),
    "address_form": _l("Form of address"),
}
# The fields a column may feed on the import page, beyond a profile's own (interactions, whole names, ids).
MAPPING_LABELS = {
    **FIELD_LABELS,
    "source_record_id": _l("Record id in the source"),
    "full_name": _l("Full name (split into first and last name)"),
    "full_address": _l("Full address (split into its parts)"),
    "contact_id": _l("Contact: record id in this source"),
    "contact_email": _l("Contact: email"),
    "contact_customer_number": _l("Contact: customer number"),
    "contact_phone": _l("Contact: phone"),
    "contact_name": _l("Contact: name"),
    "contact_facebook": _l("Contact: %(network)s", network="Facebook"),
    "contact_x": _l("Contact: %(network)s", network="X"),
    "contact_xing": _l("Contact: %(network)s", network="XING"),
    "contact_linkedin": _l("Contact: %(network)s", network="LinkedIn"),
    "contact_instagram": _l("Contact: %(network)s", network="Instagram"),
    "interaction_id": _l("Id of the order or message"),
    "occurred_at": _l("Date and time"),
    "amount": _l("Amount"),
    "currency": _l("Currency"),
    "product": _l("Product"),
    "quantity": _l("Quantity"),
    "comment": _l("Comment"),
    "type": _l("Type"),
    "channel": _l("Channel"),
    "direction": _l("Direction"),
    "subject": _l("Subject"),
    "text": _l("Text"),
}
KIND_LABELS = {"contacts": _l("contacts"), "purchases": _l("purchases"), "messages": _l("messages")}
ROLE_LABELS = {"admin": _l("admin"), "dpo": _l("data protection"), "sales": _l("sales"), "marketing": _l("marketing")}
INTERACTION_LABELS = {
    "purchase": _l("Purchase"),
    "message": _l("Message"),
    "post": _l("Post"),
    "ticket": _l("Ticket"),
    "campaign_touch": _l("Campaign"),
}

REQUEST_LABELS = {
    "access": _l("Access (Art. 15)"),
    "portability": _l("Portability (Art. 20)"),
    "erasure": _l("Erasure (Art. 17)"),
    "rectification": _l("Rectification (Art. 16)"),
    "restriction": _l("Restriction (Art. 18)"),
    "objection": _l("Objection (Art. 21)"),
}
URGENCY_LABELS = {"overdue": _l("overdue"), "due_soon": _l("due within a week"), "open": _l("open"),
                  "closed": _l("closed")}  # fmt: skip
VERIFICATION_LABELS = {
    "known_email": _l("reply from the email address we know"),
    "id_document": _l("identity document seen"),
    "postal_address": _l("letter to the postal address we know"),
    "in_person": _l("in person"),
    "other": _l("other (see note)"),
}
PURPOSE_LABELS = {
    "newsletter": _l("Newsletter"),
    "personalised_offers": _l("Personalised offers"),
    "sales_contact": _l("Sales contact"),
    "social_listening": _l("Social listening"),
    "profiling": _l("Profiling"),
}
CHANNEL_LABELS = {"email": _l("Email"), "phone": _l("Phone"), "sms": "SMS", "post": _l("Post"), "social": _l("Social")}
BASIS_LABELS = {
    "consent": _l("consent"),
    "contract": _l("contract"),
    "legitimate_interest": _l("legitimate interest"),
    "legal_obligation": _l("legal obligation"),
}
REQUESTER_LABELS = {
    "name": _l("Name"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "handle": _l("Handle"),
    "address": _l("Postal address"),
    "language": _l("Language"),
    "note": _l("Note"),
}
ACTION_LABELS = {"granted": _l("granted"), "withdrawn": _l("withdrawn")}
RETENTION_LABELS = {
    "purchases": _l("Purchases"),
    "support_tickets": _l("Support tickets"),
    "messages_and_posts": _l("Messages and posts"),
    "prospects_without_consent": _l("Prospects without consent"),
}


LEVEL_WORDS = {
    "first_name": {
        "exact": _l("first name equal"),
        "nickname": _l("first name a short form of the other"),
        "jw_high": _l("first name nearly equal (Jaro-Winkler ≥ 0.92)"),
        "jw_mid": _l("first name similar (Jaro-Winkler ≥ 0.85)"),
        "phonetic": _l("first name sounds alike (Kölner Phonetik)"),
        "different": _l("first name different"),
    },
    "last_name": {
        "exact": _l("surname equal"),
        "jw_high": _l("surname nearly equal (Jaro-Winkler ≥ 0.92)"),
        "jw_mid": _l("surname similar (Jaro-Winkler ≥ 0.85)"),
        "phonetic": _l("surname sounds alike (Kölner Phonetik)"),
        "different": _l("surname different"),
    },
    "birth_date": {
        "exact": _l("birth date equal"),
        "day_month_swapped": _l("birth date with day and month swapped"),
        "one_digit_off": _l("birth date one digit off"),
        "same_year": _l("same birth year"),
        "different": _l("birth date different"),
    },
    "address": {
        "same_house": _l("same address"),
        "same_street": _l("same street"),
        "same_postcode": _l("same postcode"),
        "same_city": _l("same city"),
        "different": _l("address different"),
    },
}


def evidence_words(evidence: dict) -> list[str]:
    """A join's evidence as short phrases: "same email", "surname equal", …"""
    if evidence.get("decided") == "join":
        return [str(_l("joined by staff"))]
    words = [str(_l("same %(what)s", what=FIELD_LABELS.get(kind, kind))) for kind in evidence.get("shared", [])]
    for name, levels in LEVEL_WORDS.items():
        level = evidence.get(name)
        if level in levels:
            words.append(str(levels[level]))
    return words


# What a level of the match model's comparisons says, the same for every field it compares. The model
# gains levels over time; a level not named here is shown as its own label (``level_words``).
MODEL_LEVEL_WORDS = {
    "exact": _l("equal"),
    "jw_high": _l("nearly equal (typo)"),
    "jw_mid": _l("similar"),
    "phonetic": _l("sounds alike"),
    "nickname": _l("nickname of each other"),
    "names_swapped": _l("first and last name swapped"),
    "day_month_swapped": _l("day and month swapped"),
    "one_digit_off": _l("one digit differs"),
    "transposed": _l("two digits swapped"),
    "same_day_month": _l("same day and month, another year"),
    "same_year": _l("same year only"),
    "street_typo": _l("nearly equal (typo)"),
    "same_postcode": _l("same postcode only"),
    "different": _l("different"),
    "missing": _l("missing on one side"),
    "unknown": _l("unknown"),
}
# The model's evidence in the order a person compares two records; fields not named here follow, by name.
MODEL_FIELD_ORDER = ("first_name", "last_name", "birth_date", "email", "phone", "street_name", "postcode", "city")
# Evidence names that are no profile field of their own.
MODEL_FIELD_LABELS = {"street_name": FIELD_LABELS["street"], "address": _l("Address")}
# Evidence entries that are no comparison of one field.
NOT_A_FIELD = {"total", "probability", "decided", "shared"}


def level_words(level: str) -> str:
    """A model level in words ("nearly equal (typo)"); one this version does not know, as its label."""
    return str(MODEL_LEVEL_WORDS.get(level, level))


def evidence_rows(evidence: dict) -> list[tuple[str, str, float | None]]:
    """A model pair's evidence as ``(field, level in words, weight or None)`` per compared field.

    Model evidence names each field's level (``"first_name": "jw_high"``)
    and its weight (``"first_name_weight": 3.2``); evidence without weights
    gives ``None`` for them.
    """
    names = [name for name, value in evidence.items() if isinstance(value, str) and name not in NOT_A_FIELD]
    ordered = [name for name in MODEL_FIELD_ORDER if name in names] + sorted(set(names) - set(MODEL_FIELD_ORDER))
    return [(_model_field_label(name), level_words(evidence[name]), _field_weight(evidence, name)) for name in ordered]


def _model_field_label(name: str) -> str:
    return str(MODEL_FIELD_LABELS.get(name) or FIELD_LABELS.get(name, name))


def _field_weight(evidence: dict, name: str) -> float | None:
    weight = evidence.get(f"{name}_weight")
    return float(weight) if isinstance(weight, int | float) else None


LEFT_OUT_LABELS = {
    "restricted": _l("restricted"),
    "withdrawn": _l("withdrew consent"),
    "no consent": _l("without consent"),
    "no address": _l("without an address for the channel"),
}
MODEL_LABELS = {
    "last_touch": _l("last touch"),
    "first_touch": _l("first touch"),
    "linear": _l("shared equally (linear)"),
}

RESPONSE_LABELS = {
    "opened": _l("opened"),
    "clicked": _l("clicked"),
    "replied": _l("replied"),
    "unsubscribed": _l("unsubscribed"),
    "bounced": _l("bounced"),
}

ACTIVITY_LABELS = {
    "active": _l("active (within the last 90 days)"),
    "cooling": _l("cooling (last active within a year)"),
    "dormant": _l("dormant (nothing for over a year)"),
    "none": _l("no activity recorded"),
}

LABELS = {
    "activity": ACTIVITY_LABELS,
    "left_out": LEFT_OUT_LABELS,
    "model": MODEL_LABELS,
    "response": RESPONSE_LABELS,
    "request": REQUEST_LABELS,
    "urgency": URGENCY_LABELS,
    "verification": VERIFICATION_LABELS,
    "purpose": PURPOSE_LABELS,
    "channel": CHANNEL_LABELS,
    "basis": BASIS_LABELS,
    "action": ACTION_LABELS,
    "retention": RETENTION_LABELS,
    "requester": REQUESTER_LABELS,
}


def template_helpers() -> dict:
    return {
        "field_label": lambda name: FIELD_LABELS.get(name, name),
        "role_label": lambda role: ROLE_LABELS.get(role, role),
        "mapping_label": lambda name: MAPPING_LABELS.get(name, name),
        "kind_label": lambda kind: KIND_LABELS.get(kind, kind),
        "interaction_label": lambda kind: INTERACTION_LABELS.get(kind, kind),
        "evidence_words": evidence_words,
        "label": lambda kind, name: LABELS[kind].get(name, name),
        "money": money,
        "when": when,
        "number": format_decimal,
        "current_language": lambda: str(get_locale() or "en"),
        "languages": LANGUAGES,
    }

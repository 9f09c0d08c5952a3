"""Normalising what sources send: names, emails, phones, handles, dates.

Each function takes raw text and returns the canonical form, or raises
``InvalidValue`` whose reason says what form was expected, never the value.
All are idempotent: normalising a normalised value changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from cdp.errors import N_, InvalidValue

NETWORKS = ("facebook", "x", "xing", "linkedin", "instagram")

_SPACES = re.compile(r"\s+")
_UMLAUT_SPELLING = re.compile(r"([aou])e+")
# A plain ASCII address that email-validator accepts and leaves unchanged apart
# from the case of its domain; checking it here skips the slower full check.
_SIMPLE_EMAIL = re.compile(
    r"[a-zA-Z0-9_+-]+(?:\.[a-zA-Z0-9_+-]+)*@(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,24}"
)


def text(value: str) -> str:
    """Unicode NFC, no control characters, inner whitespace folded, trimmed."""
    if not (value.isascii() and value.isprintable()):
        value = unicodedata.normalize("NFC", value)
        if not value.isprintable():
            value = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value)
    return " ".join(value.split())


def free_text(value: str) -> str:
    """Free text keeps its line breaks: NFC, one kind of newline, no other
    control characters, trailing spaces and outer blank lines trimmed."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in value)
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def email(value: str) -> str:
    """A syntactically valid address with its domain in lower case (no DNS)."""
    value = text(value)
    if _SIMPLE_EMAIL.fullmatch(value) and len(value) <= 254 and len(value.split("@")[0]) <= 64:
        local, domain = value.rsplit("@", 1)
        return f"{local}@{domain.lower()}"
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidValue("email", N_("not a valid email address")) from None


def email_key(value: str) -> str:
    """The form two addresses are compared in: the whole address case-folded."""
    return value.casefold()


def phone(value: str, region: str = "DE") -> str:
    """A phone number in E.164 form; ``region`` applies to numbers without +."""
    cleaned = text(value)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise InvalidValue("phone", N_("not a phone number")) from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidValue("phone", N_("not a possible phone number for its country"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_HANDLE_HOSTS = {
    "facebook": ("facebook.com", "fb.com"),
    "x": ("x.com", "twitter.com"),
    "xing": ("xing.com",),
    "linkedin": ("linkedin.com",),
    "instagram": ("instagram.com",),
}
_HANDLE_PATTERNS = {
    "facebook": re.compile(r"[a-z0-9.]{1,50}"),
    "x": re.compile(r"[a-z0-9_]{1,15}"),
    "xing": re.compile(r"[a-z0-9_.-]{1,100}"),
    "linkedin": re.compile(r"[a-z0-9_%-]{1,100}"),
    "instagram": re.compile(r"[a-z0-9_.]{1,30}"),
}
_PATH_PREFIXES = {"linkedin": ("in", "pub"), "xing": ("profile",)}


def handle(network: str, value: str) -> str:
    """The handle on ``network``, from ``@name``, ``name`` or a profile URL.

    Handles are compared without case, so they are kept in lower case.
    """
    value = text(value)
    if "/" in value or ("." in value.split("?")[0] and _looks_like_url(network, value)):
        value = _handle_from_url(network, value)
    value = value.lstrip("@").strip().lower()
    if not _HANDLE_PATTERNS[network].fullmatch(value):
        raise InvalidValue(network, N_("not a {network} handle or profile URL"), network=network)
    return value


def _looks_like_url(network: str, value: str) -> bool:
    lowered = value.lower()
    return any(host in lowered for host in _HANDLE_HOSTS[network])


def _handle_from_url(network: str, value: str) -> str:
    try:
        parts = urlsplit(value if "://" in value else "https://" + value)
    except ValueError:
        raise InvalidValue(network, N_("not a {network} handle or profile URL"), network=network) from None
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.").removeprefix("de.")
    if host not in _HANDLE_HOSTS[network]:
        raise InvalidValue(network, N_("not a {network} handle or profile URL"), network=network)
    if network == "facebook" and parts.path.rstrip("/") == "/profile.php":
        return (parse_qs(parts.query).get("id") or [""])[0]
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and segments[0] in _PATH_PREFIXES.get(network, ()):
        segments = segments[1:]
    return segments[0] if segments else ""


def website(value: str) -> str:
    """A URL with scheme, lower-case host and no trailing slash."""
    value = text(value)
    try:
        parts = urlsplit(value if "://" in value else "https://" + value)
        port = parts.port
    except ValueError:
        raise InvalidValue("website", N_("not a web address")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        raise InvalidValue("website", N_("not a web address"))
    netloc = parts.hostname.lower() + (f":{port}" if port else "")
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{netloc}{path}{query}"


_DATE_FORMS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), ("d", "m", "y")),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), ("y", "m", "d")),
)
DATE_HINT = N_("not a date in a known form (2024-03-01, 01.03.2024 or 20240301)")


def parse_date(value: str, field: str = "date") -> date:
    """A calendar date from the forms people export; anything else is refused."""
    cleaned = text(value)
    for pattern, order in _DATE_FORMS:
        match = pattern.fullmatch(cleaned)
        if match:
            parts = dict(zip(order, (int(group) for group in match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise InvalidValue(field, N_("not a real calendar date")) from None
    raise InvalidValue(field, DATE_HINT)


def birth_date(value: str, today: date | None = None) -> str:
    """A birth date as ISO text; not in the future, not before 1900."""
    day = parse_date(value, "birth_date")
    today = today or date.today()
    if day > today or day.year < 1900:
        raise InvalidValue("birth_date", N_("not a plausible birth date"))
    return day.isoformat()


def address_form(value: str) -> str:
    """``du``, ``Sie`` or ``unknown`` from the ways exports spell it."""
    lowered = text(value).casefold()
    if lowered in ("du", "informal", "informell", "duzen", "per du"):
        return "du"
    if lowered in ("sie", "formal", "formell", "siezen", "per sie"):
        return "Sie"
    if lowered in ("", "unknown", "unbekannt", "?"):
        return "unknown"
    raise InvalidValue("address_form", N_("expected du or Sie"))


@lru_cache(maxsize=1 << 17)  # names, streets and cities repeat; identity resolution folds each pair it compares
def fold(value: str) -> str:
    """A search key: case-folded, umlauts and accents spelled out in ASCII.

    Müller, Mueller and MULLER all fold to ``muller``: umlauts first become
    their two-letter spelling, then every ``a``/``o``/``u`` followed by ``e``
    loses the ``e``, so both spellings meet (and folding twice changes
    nothing).
    """
    if value.isascii():
        return text(_UMLAUT_SPELLING.sub(r"\1", value.lower()))
    value = unicodedata.normalize("NFKC", text(value)).casefold().replace("ß", "ss")
    value = value.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    value = "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))
    value = unicodedata.normalize("NFKC", value).casefold()
    return text(_UMLAUT_SPELLING.sub(r"\1", value))

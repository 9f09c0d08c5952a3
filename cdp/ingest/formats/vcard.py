"""Reading vCard files (2.1, 3.0 and 4.0) into rows of canonical contact fields.

Reading happens in three steps:

1. unfold the physical lines into content lines (folding with a leading space
   or tab, and the quoted-printable soft line breaks of vCard 2.1);
2. cut the content lines into cards and each line into name, parameters and
   raw value;
3. decode each value (quoted-printable, charset, backslash escapes, NFC) and
   map the properties onto Kundenbild's fields. Whatever has no field of its
   own is kept as ``vcard:<PROPERTY>``.

Errors name the physical line a content line starts on and, where it helps,
the property name, never a value: values are personal data.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from cdp.errors import N_, FormatError

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PROPERTY_NAME = re.compile(r"(?:[A-Za-z0-9_-]+\.)?([A-Za-z0-9_-]+)")
_QP_BYTES = re.compile(r"(?:=[0-9A-Fa-f]{2})+")
_QP_BROKEN = re.compile(r"=(?![0-9A-Fa-f]{2})")

_IGNORED = frozenset({"BEGIN", "END", "VERSION", "PRODID", "REV", "PHOTO", "X-ABLABEL"})
_STRUCTURED = frozenset({"N", "ADR", "ORG", "GENDER"})
# vCard 2.1 allows the encoding as a bare parameter (``NOTE;QUOTED-PRINTABLE:``).
_BARE_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT"})
_BINARY_ENCODINGS = frozenset({"BASE64", "B"})
_ESCAPES = {"\\": "\\", ",": ",", ";": ";", ":": ":", "n": "\n", "N": "\n"}
# vCard 2.1 escapes only the semicolon; a backslash elsewhere is a backslash.
_ESCAPES_21 = {";": ";"}

_FIRST_COMPONENT = {
    "UID": "source_record_id",
    "TITLE": "job_title",
    "LANG": "language",
    "GENDER": "gender",
    "ORG": "company",
}
_NETWORK_TYPES = {
    "twitter": "x",
    "x": "x",
    "facebook": "facebook",
    "xing": "xing",
    "linkedin": "linkedin",
    "instagram": "instagram",
}
_NETWORK_PROPERTIES = {
    "X-TWITTER": "x",
    "X-FACEBOOK": "facebook",
    "X-XING": "xing",
    "X-LINKEDIN": "linkedin",
    "X-INSTAGRAM": "instagram",
}
_NETWORK_HOSTS = {
    "xing.com": "xing",
    "linkedin.com": "linkedin",
    "x.com": "x",
    "twitter.com": "x",
    "facebook.com": "facebook",
    "instagram.com": "instagram",
}
_MOBILE_TYPES = frozenset({"cell", "mobile"})
# Numbers that reach no person on the phone are kept as extras, not as ``phone``.
_NOT_PHONE_TYPES = _MOBILE_TYPES | {"fax", "pager"}
_UNRANKED = 101  # one more than the largest PREF value vCard 4.0 allows


@dataclass(frozen=True)
class _Property:
    """One content line of a card: unfolded, not yet decoded."""

    line: int
    name: str
    params: dict[str, list[str]]
    raw: str

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(value.lower() for value in self.params.get("TYPE", []))

    @property
    def encodings(self) -> set[str]:
        return {value.upper() for value in self.params.get("ENCODING", [])}


@dataclass(frozen=True)
class _Value:
    """A decoded property: components unescaped, NFC-normalised and stripped."""

    prop: _Property
    parts: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.prop.name

    @property
    def text(self) -> str:
        return ", ".join(part for part in self.parts if part)


def read_vcards(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line_number_of_BEGIN:VCARD, fields) for each card in `text`."""
    found = False
    for start, properties in _cards(text.removeprefix("\ufeff")):
        found = True
        yield start, _card_fields(properties)
    if not found:
        raise FormatError(None, N_("no vCard found"))


# Step 1 and 2: lines, cards, properties.


def _cards(text: str) -> Iterator[tuple[int, list[_Property]]]:
    """Each card's BEGIN line and its properties; structural errors raise."""
    start: int | None = None
    properties: list[_Property] = []
    for number, line in _content_lines(text):
        marker = _card_marker(line)
        if marker == "BEGIN":
            if start is not None:
                raise FormatError(
                    number, N_("BEGIN:VCARD inside the card starting at line {start} (missing END:VCARD?)"), start=start
                )
            start, properties = number, []
        elif marker == "END":
            if start is None:
                raise FormatError(number, N_("END:VCARD without a BEGIN:VCARD before it"))
            yield start, properties
            start = None
        elif start is None:
            raise FormatError(number, N_("text outside a card (expected BEGIN:VCARD)"))
        else:
            properties.append(_parse_property(number, line))
    if start is not None:
        raise FormatError(start, N_("card starting at line {start} has no END:VCARD"), start=start)


def _content_lines(text: str) -> Iterator[tuple[int, str]]:
    """Unfold physical lines into (first line number, content line); skip blank ones.

    A line starting with a space or tab continues the one before (the space
    is dropped). In a quoted-printable value a trailing ``=`` is a soft line
    break: the next line continues the value whatever it starts with.
    """
    start, pieces, quoted_printable = 0, [], False
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if pieces and quoted_printable and pieces[-1].rstrip(" \t").endswith("="):
            pieces[-1] = pieces[-1].rstrip(" \t")[:-1]
            pieces.append(line)
        elif pieces and line[:1] in (" ", "\t"):
            pieces.append(line[1:])
        else:
            yield from _joined(start, pieces)
            # Nothing folds onto an empty line: in 2.1 it ends a base64 value.
            start, pieces = number, [line] if line else []
            quoted_printable = _is_quoted_printable(line)
    yield from _joined(start, pieces)


def _joined(start: int, pieces: list[str]) -> Iterator[tuple[int, str]]:
    line = "".join(pieces)
    if line.strip():
        yield start, line


def _card_marker(line: str) -> str | None:
    """``"BEGIN"`` or ``"END"`` for ``BEGIN:VCARD``/``END:VCARD`` (any case), else None."""
    name, colon, value = line.partition(":")
    name = name.strip().upper()
    if colon and name in ("BEGIN", "END") and value.strip().upper() == "VCARD":
        return name
    return None


def _is_quoted_printable(line: str) -> bool:
    split = _split_at_colon(line)
    if split is None or "QUOTED-PRINTABLE" not in split[0].upper():
        return False
    _, *params = _split_unquoted(split[0], ";")
    return "QUOTED-PRINTABLE" in {value.upper() for value in _parse_params(params).get("ENCODING", [])}


def _parse_property(number: int, line: str) -> _Property:
    split = _split_at_colon(line)
    if split is None:
        raise FormatError(number, N_("content line has no ':' between property name and value"))
    head, raw = split
    name, *params = _split_unquoted(head, ";")
    match = _PROPERTY_NAME.fullmatch(name.strip())
    if match is None:
        raise FormatError(number, N_("content line has no valid property name before ':'"))
    return _Property(number, match.group(1).upper(), _parse_params(params), raw)


def _split_at_colon(line: str) -> tuple[str, str] | None:
    """Split at the first ':' outside double quotes (4.0 parameter values may hold ':')."""
    colon = line.find(":")
    if colon < 0 or '"' not in line[:colon]:
        return (line[:colon], line[colon + 1 :]) if colon >= 0 else None
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:index], line[index + 1 :]
    return None


def _split_unquoted(text: str, separator: str) -> list[str]:
    if '"' not in text:
        return text.split(separator)
    pieces, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def _parse_params(items: list[str]) -> dict[str, list[str]]:
    """Parameter name (upper case) → values; bare 2.1 parameters are types or encodings."""
    params: dict[str, list[str]] = {}
    for item in items:
        name, equals, value = item.partition("=")
        name = name.strip().upper()
        if not equals:
            name, value = ("ENCODING" if name in _BARE_ENCODINGS else "TYPE"), name
        values = [piece.strip() for piece in value.replace('"', "").split(",")]
        params.setdefault(name, []).extend(piece for piece in values if piece)
    return params


# Step 3: decoding values.


def _decode(prop: _Property, version: str) -> _Value | None:
    """The decoded value of ``prop``, or None when it is empty."""
    raw = _decode_quoted_printable(prop) if "QUOTED-PRINTABLE" in prop.encodings else prop.raw
    escapes = _ESCAPES_21 if version == "2.1" else _ESCAPES
    parts = tuple(_clean(part) for part in _unescape(raw, escapes, structured=prop.name in _STRUCTURED))
    return _Value(prop, parts) if any(parts) else None


def _decode_quoted_printable(prop: _Property) -> str:
    text = prop.raw.rstrip().removesuffix("=")
    if _QP_BROKEN.search(text):
        raise FormatError(prop.line, N_("{property}: invalid quoted-printable sequence"), property=prop.name)
    charset = _charset(prop)

    def decoded(match: re.Match[str]) -> str:
        return bytes.fromhex(match.group().replace("=", "")).decode(charset)

    try:
        return _QP_BYTES.sub(decoded, text)
    except LookupError:
        raise FormatError(
            prop.line, N_("{property}: the CHARSET parameter names no text encoding"), property=prop.name
        ) from None
    except ValueError:
        raise FormatError(
            prop.line, N_("{property}: the value is not valid text in its CHARSET"), property=prop.name
        ) from None


def _charset(prop: _Property) -> str:
    name = (prop.params.get("CHARSET") or ["utf-8"])[0]
    try:
        codecs.lookup(name)
    except (LookupError, ValueError):
        raise FormatError(
            prop.line,
            N_("{property}: the CHARSET parameter names an encoding Python does not know"),
            property=prop.name,
        ) from None
    return name


def _unescape(raw: str, escapes: dict[str, str], structured: bool) -> list[str]:
    """Resolve backslash escapes; split structured values on unescaped ';'."""
    if "\\" not in raw:
        return raw.split(";") if structured else [raw]
    parts: list[str] = []
    current: list[str] = []
    chars = iter(raw)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            current.append(escapes.get(following, char + following))
        elif char == ";" and structured:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


# Step 3, continued: mapping properties onto fields.


def _card_fields(properties: list[_Property]) -> dict[str, str]:
    """The fields of one card. Base64 values (photos, logos, keys) are skipped: they are no contact data."""
    version = next((prop.raw.strip() for prop in properties if prop.name == "VERSION"), "")
    wanted = [prop for prop in properties if prop.name not in _IGNORED and not prop.encodings & _BINARY_ENCODINGS]
    values = [value for value in (_decode(prop, version) for prop in wanted) if value is not None]
    fields: dict[str, str] = {}
    mappers = (_map_names, _map_email, _map_phones, _map_address, _map_links, _map_birthday, _map_first_components)
    for mapper in mappers:
        values = mapper(values, fields)
    return fields | _extras(values)


def _map_names(values: list[_Value], fields: dict[str, str]) -> list[_Value]:
    """Names from N; from FN only when N has none (and FN is not just the company)."""
    name, values = _pick(values, _named("N"))
    full_name, values = _pick(values, _named("FN"))
    if name is not None:
        family, given, additional, prefix, *rest = _padded(name.parts, 4)
        _put(fields, "first_name", " ".join(part for part in (given, additional) if part))
        _put(fields, "last_name", family)
        _put(fields, "title", prefix)
        values = _with_rest(values, name, rest)
    if "first_name" in fields or "last_name" in fields or full_name is None or _is_company(full_name, values):
        return values
    *given, family = full_name.text.split()
    _put(fields, "last_name", family)
    _put(fields, "first_name", " ".join(given))
    return values


def _is_company(full_name: _Value, values: list[_Value]) -> bool:
    """Whether FN merely repeats the organisation, as company cards do."""
    return any(value.name == "ORG" and value.parts[0].casefold() == full_name.text.casefold() for value in values)


def _map_email(values: list[_Value], fields: dict[str, str]) -> list[_Value]:
    email, values = _pick(values, _named("EMAIL"), rank=_preference)
    if email is not None:
        _put(fields, "email", email.text)
    return values


def _map_phones(values: list[_Value], fields: dict[str, str]) -> list[_Value]:
    mobile, values = _pick(values, lambda value: value.name == "TEL" and bool(_MOBILE_TYPES & set(value.prop.types)))
    phone, values = _pick(values, lambda value: value.name == "TEL" and not _NOT_PHONE_TYPES & set(value.prop.types))
    for field_name, chosen in (("mobile", mobile), ("phone", phone)):
        if chosen is not None:
            _put(fields, field_name, _phone_number(chosen))
    return values


def _phone_number(value: _Value) -> str:
    """The number without the ``tel:`` scheme vCard 4.0 puts before ``VALUE=uri`` numbers."""
    is_uri = "uri" in (kind.lower() for kind in value.prop.params.get("VALUE", []))
    if is_uri and value.text[:4].lower() == "tel:":
        return value.text[4:].strip()
    return value.text


def _map_address(values: list[_Value], fields: dict[str, str]) -> list[_Value]:
    """The home address, else the first; the post-office box joins ``address_extra``."""
    address, values = _pick(values, _named("ADR"), rank=lambda value: 0 if "home" in value.prop.types else 1)
    if address is None:
        return values
    pobox, extended, street, locality, region, code, country, *rest = _padded(address.parts, 7)
    _put(fields, "address_extra", ", ".join(part for part in (extended, pobox) if part))
    for field_name, part in (
        ("street", street),
        ("city", locality),
        ("region", region),
        ("postcode", code),
        ("country", country),
    ):
        _put(fields, field_name, part)
    return _with_rest(values, address, rest)


def _map_links(values: list[_Value], fields: dict[str, str]) -> list[_Value]:
    """Social profiles and the website, each the first one in the card."""
    remaining = []
    for value in values:
        network = _network(value)
        if network and network not in fields:
            fields[network] = value.text
        elif value.name == "URL" and not network and "website" not in fields:
            fields["website"] = value.text
        else:
            remaining.append(value)
    return remaining


def _network(value: _Value) -> str | None:
    if value.name in _NETWORK_PROPERTIES:
        return _NETWORK_PROPERTIES[value.name]
    if value.name == "X-SOCIALPROFILE":
        named = (_NETWORK_TYPES[kind] for kind in value.prop.types if kind in _NETWORK_TYPES)
        return next(named, None) or _network_of_url(value.text)
    if value.name == "URL":
        return _network_of_url(value.text)
    return None


def _network_of_url(text: str) -> str | None:
    try:
        host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    except ValueError:
        return None
    for domain, network in _NETWORK_HOSTS.items():
        if host == domain or host.endswith("." + domain):
            return network
    return None


def _map_birthday(values: list[_Value], fields: dict[str, str]) -> list[_Value]:
    """BDAY as the birth date, unless it has no year (``--0415``, or Apple's
    X-APPLE-OMIT-YEAR placeholder year): then it stays an extra."""
    chosen, rest = _pick(values, _named("BDAY"))
    if chosen is None or chosen.parts[0].startswith("--") or "X-APPLE-OMIT-YEAR" in chosen.prop.params:
        return values
    _put(fields, "birth_date", chosen.parts[0])
    return rest


def _map_first_components(values: list[_Value], fields: dict[str, str]) -> list[_Value]:
    """Properties whose first occurrence's first component is a field (UID, ORG, …)."""
    for name, field_name in _FIRST_COMPONENT.items():
        chosen, values = _pick(values, _named(name))
        if chosen is not None:
            _put(fields, field_name, chosen.parts[0])
            values = _with_rest(values, chosen, list(chosen.parts[1:]))
    return values


def _extras(values: list[_Value]) -> dict[str, str]:
    """Everything not mapped, as ``vcard:<PROPERTY>``; repeated properties joined by "; "."""
    grouped: dict[str, list[str]] = {}
    for value in values:
        if value.text:
            grouped.setdefault(f"vcard:{value.name}", []).append(value.text)
    return {key: "; ".join(texts) for key, texts in grouped.items()}


# Small helpers for the mappers.


def _named(name: str) -> Callable[[_Value], bool]:
    return lambda value: value.name == name


def _pick(
    values: list[_Value],
    accept: Callable[[_Value], bool],
    rank: Callable[[_Value], int] = lambda value: 0,
) -> tuple[_Value | None, list[_Value]]:
    """The best-ranked accepted value (the first among equals) and all the others."""
    candidates = [value for value in values if accept(value)]
    if not candidates:
        return None, values
    chosen = min(candidates, key=rank)
    return chosen, [value for value in values if value is not chosen]


def _preference(value: _Value) -> int:
    """1 for ``TYPE=pref`` (3.0, 2.1), the ``PREF`` number (4.0), else unranked."""
    if "pref" in value.prop.types:
        return 1
    for number in value.prop.params.get("PREF", []):
        try:
            return int(number)
        except ValueError:
            continue
    return _UNRANKED


def _padded(parts: tuple[str, ...], length: int) -> list[str]:
    return [*parts, *[""] * (length - len(parts))]


def _with_rest(values: list[_Value], mapped: _Value, rest: list[str]) -> list[_Value]:
    """Keep the components of a mapped property that no field takes, as its extra."""
    if any(rest):
        return [*values, replace(mapped, parts=tuple(rest))]
    return values


def _put(fields: dict[str, str], name: str, value: str) -> None:
    if value:
        fields[name] = value

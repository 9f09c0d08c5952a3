"""Search as you type, over keyed hashes instead of names.

For each source record the index keeps short keyed hashes (see
``PersonalData.search_digest``) of: every prefix of 3 to 8 letters of each
folded name word, handle, company word, customer number and word of the
email address's local part (``w:``), each word shorter than 3 letters whole,
the whole email address (``e:``), every phone number in E.164 form (``t:``),
the whole folded city (``c:``: a word typed whole finds a one-word city, and
segments' location conditions use it) and the postcode's first two and
three digits and the whole postcode (``p:10``, ``p:101``, ``p:10115``, for
segments). A query is
split into words; each word is hashed the same way and the profiles matching
every word are returned. Folding makes Müller, Mueller and Muller the same
word; a word longer than eight letters is looked up by its first eight.

The index is derived data, rebuilt from the source records at will;
``SEARCH_INDEX_VERSION`` names what it holds, so that ``cdp migrate``
rebuilds an index written by an earlier version.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, delete, select

from cdp import normalise
from cdp.errors import InvalidValue
from cdp.store.personal import PersonalData
from cdp.store.schema import search_token, source_record

MIN_PREFIX = 3
MAX_PREFIX = 8
_WORD_FIELDS = ("first_name", "last_name", "company", "customer_number", *normalise.NETWORKS)
_SPLIT = re.compile(r"[\s,.;:/()'\"_+-]+")
_PHONE_LIKE = re.compile(r"\+?[\d\s()/.-]{5,}")
POSTCODE_PREFIXES = (2, 3, 5)  # a region (10), a district (101), a postcode (10115)
_WHOLE_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_MEMO_LIMIT = 65_536  # digests of word terms one index keeps (names repeat across records)


def words(value: str) -> list[str]:
    """The folded words of ``value``."""
    return [word for word in _SPLIT.split(normalise.fold(value)) if word]


def record_terms(fields: dict[str, str]) -> set[str]:
    """Every index term of one source record's fields."""
    terms: set[str] = set()
    for name in _WORD_FIELDS:
        if name in fields:
            terms.update(_word_terms(fields[name]))
    if "email" in fields:
        terms.add("e:" + normalise.email_key(fields["email"]))
        terms.update(_word_terms(email_words(fields["email"])))
    for name in ("phone", "mobile"):
        if name in fields:
            terms.add("t:" + fields[name])
    if fields.get("city") and place_key(fields["city"]):
        terms.add("c:" + place_key(fields["city"]))
    digits = "".join(ch for ch in fields.get("postcode", "") if ch.isdigit())
    terms.update("p:" + digits[:length] for length in POSTCODE_PREFIXES if length <= len(digits))
    return terms


def email_words(address: str) -> str:
    """The words of an address a person types to find it: its local part (``max.mueller@example.de``: max
    mueller), so that the start of an address finds it. The domain is left out: it names many people."""
    return address.rpartition("@")[0]


def place_key(city: str) -> str:
    """A city as the index keeps it whole: folded, spaces as one (Köln, KOELN and koeln are one)."""
    return " ".join(words(city))


def _word_terms(value: str) -> tuple[str, ...]:
    """The ``w:`` terms of every word of one field's value."""
    return tuple(term for word in words(value) for term in _prefixes(word))


def _prefixes(word: str) -> list[str]:
    if len(word) < MIN_PREFIX:
        return ["w:" + word]
    return ["w:" + word[:length] for length in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1)]


Term = tuple[str, ...]


def query_terms(query: str, region: str) -> list[Term]:
    """Per word of what the user typed, the index terms that may match it (see ``split_query``)."""
    whole, typed = split_query(query, region)
    return list(dict.fromkeys(whole + [("w:" + word[:MAX_PREFIX], "c:" + word) for word in typed]))


def split_query(query: str, region: str) -> tuple[list[Term], list[str]]:
    """What the user typed as the terms of whole emails and phone numbers, and the folded words to look up.

    ``@name`` is a handle. An email being typed ("max.mu", "mueller@exa") is looked up by the words of its
    local part. A last word shorter than a prefix after others ("Bernd M") is still being typed: it is left out
    rather than looked up as a whole word of one letter, so the others still find.
    """
    query = normalise.text(query)
    if _is_phone_like(query):
        return [_phone_term(query, region)], []
    whole: list[Term] = []
    typed: list[str] = []
    for part in query.split(" "):
        if _WHOLE_EMAIL.fullmatch(part):
            whole.append(("e:" + normalise.email_key(part),))
        elif _is_phone_like(part):
            whole.append(_phone_term(part, region))
        else:
            text = part.lstrip("@")
            typed += words(text.rpartition("@")[0] if "@" in text else text)  # an address being typed: its local part
    if typed and len(typed) + len(whole) > 1 and len(typed[-1]) < MIN_PREFIX and not typed[-1].isdigit():
        typed = typed[:-1]
    return whole, typed


def _is_phone_like(value: str) -> bool:
    return bool(_PHONE_LIKE.fullmatch(value)) and sum(ch.isdigit() for ch in value) >= 5


def _phone_term(value: str, region: str) -> tuple[str, ...]:
    """A number may be a phone number or a customer number: look for both."""
    digits = "w:" + "".join(ch for ch in value if ch.isdigit())[:MAX_PREFIX]
    try:
        return ("t:" + normalise.phone(value, region), digits)
    except InvalidValue:
        return (digits,)


class SearchIndex:
    """The search index of one store, hashing terms through its personal-data keys."""

    def __init__(self, personal: PersonalData) -> None:
        self.digest = personal.search_digest
        self._word_digests: dict[str, bytes] = {}  # term -> digest, for the ``w:`` terms that repeat

    def rows(self, source_record_id: int, fields: dict[str, str]) -> list[dict]:
        """Index rows for one record, ready for ``bulk_insert``."""
        return [{"digest": digest, "source_record_id": source_record_id} for digest in self.digests(fields)]

    def digests(self, fields: dict[str, str]) -> list[bytes]:
        """The digest of each of one record's terms (``record_terms``), in the same order."""
        memo = self._word_digests
        found = []
        for term in record_terms(fields):
            digest = memo.get(term)
            if digest is None:
                digest = self.digest(term)
                if term[:2] in ("w:", "c:", "p:"):  # names and places repeat; emails and phones hardly: not kept
                    if len(memo) >= _MEMO_LIMIT:
                        memo.clear()
                    memo[term] = digest
            found.append(digest)
        return found

    def remove(self, connection: Connection, source_record_id: int, fields: dict[str, str]) -> None:
        """Take one record's terms out of the index (its fields as indexed)."""
        for row in self.rows(source_record_id, fields):
            connection.execute(
                delete(search_token).where(
                    search_token.c.digest == row["digest"], search_token.c.source_record_id == source_record_id
                )
            )

    def find(self, connection: Connection, query: str, region: str, limit: int = 20) -> list[int]:
        """Ids of the profiles matching every word of ``query``, lowest first."""
        return self.find_all(connection, query, region)[:limit]

    def find_all(self, connection: Connection, query: str, region: str) -> list[int]:
        """Ids of every profile matching every word of ``query``, lowest first."""
        terms = query_terms(query, region)
        if not terms:
            return []
        matches: set[int] | None = None
        for alternatives in terms:
            query = (
                select(source_record.c.profile_id)
                .join(search_token, search_token.c.source_record_id == source_record.c.id)
                .where(search_token.c.digest.in_([self.digest(term) for term in alternatives]))
                .distinct()
            )
            ids = set(connection.execute(query).scalars())
            matches = ids if matches is None else matches & ids
            if not matches:
                return []
        return sorted(matches)

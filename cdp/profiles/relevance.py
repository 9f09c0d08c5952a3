"""Which of the profiles a search found fit best, and why each was found.

The index (``cdp.profiles.search``) only says that a profile holds every word typed, as a word or the start
of one, somewhere in its names, handles, company, customer number, email or phone. Here each word is
matched again against the profile's opened values, so that the list can put the best fits first and say
what matched: a surname spelled out before one that only starts so, a surname before a first name, a name
before a company or handle, any of them before a city; the whole email or phone number counts as much as a
surname. Folding is the
index's (Müller, Mueller and Muller are one word).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdp import normalise
from cdp.profiles.search import MAX_PREFIX, email_words, split_query, words

# (field, points for the whole word, points for a word that starts with what was typed), best first.
WORD_FIELDS = (
    ("last_name", 100, 80),
    ("first_name", 60, 50),
    ("company", 40, 30),
    *((network, 40, 30) for network in normalise.NETWORKS),
    ("customer_number", 40, 30),
    ("email", 20, 15),  # a word of the address (``cdp.profiles.search.email_words``)
    ("city", 10, 5),
)
WHOLE_VALUE = 100  # an email address or phone number typed whole


@dataclass(frozen=True)
class Match:
    """One typed word found in one field: ``value`` as the profile holds it, ``whole`` if the word is all of
    a word of it (else it is the start of one)."""

    field: str
    value: str
    whole: bool


@dataclass(frozen=True)
class Hit:
    profile: object  # cdp.profiles.unified.Profile (not imported: unified imports this module)
    score: int
    matches: tuple[Match, ...]


def rank(profiles: list, query: str) -> list[Hit]:
    """``profiles`` as hits, the best fit first (then by name), each with what matched."""
    typed = split_query(query, "DE")[1]
    hits = [_hit(profile, typed, query) for profile in profiles]
    return sorted(hits, key=lambda hit: (-hit.score, normalise.fold(hit.profile.display_name), hit.profile.id))


def _hit(profile, typed: list[str], query: str) -> Hit:
    score, matches = _whole_value(profile, query)
    for word in typed:
        best = _best_match(profile, word)
        if best:
            points, match = best
            score += points
            if match not in matches:
                matches += (match,)
    return Hit(profile, score, matches)


def _whole_value(profile, query: str) -> tuple[int, tuple[Match, ...]]:
    """An email address or phone number typed whole."""
    typed = normalise.text(query)
    for name in ("email", "phone", "mobile"):
        for observed in profile.observations.get(name, []):
            if normalise.fold(observed.value) == normalise.fold(typed) or _same_number(observed.value, typed):
                return WHOLE_VALUE, (Match(name, observed.value, True),)
    return 0, ()


def _same_number(value: str, typed: str) -> bool:
    digits = "".join(ch for ch in typed if ch.isdigit())
    return len(digits) >= 5 and "".join(ch for ch in value if ch.isdigit()).endswith(digits.lstrip("0"))


def _best_match(profile, word: str) -> tuple[int, Match] | None:
    """The best-scoring field value with ``word`` as a whole word or as the start of one."""
    looked_up = word[:MAX_PREFIX]
    best: tuple[int, Match] | None = None
    for name, whole_points, prefix_points in WORD_FIELDS:
        for observed in profile.observations.get(name, []):
            for own in words(email_words(observed.value) if name == "email" else observed.value):
                if own == word:
                    found = (whole_points, Match(name, observed.value, True))
                elif own.startswith(looked_up):
                    found = (prefix_points, Match(name, observed.value, False))
                else:
                    continue
                if best is None or found[0] > best[0]:
                    best = found
    return best

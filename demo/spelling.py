"""How names and values get spelled: umlauts in ASCII, typos, slugs, Windows-1252, German dates and euros."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def umlaut_spelling(name: str) -> str:
    """``Müller`` → ``Mueller``, ``Weiß`` → ``Weiss``: how ASCII-only systems spell names."""
    return name.translate(_UMLAUTS)


def ascii_spelling(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", umlaut_spelling(text))
    return "".join(ch for ch in decomposed if ch.isascii() and not unicodedata.combining(ch))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", ascii_spelling(text).lower()) or "kunde"


def cp1252_spelling(text: str) -> str:
    """``text`` with any character Windows-1252 lacks spelled in ASCII."""
    return "".join(ch if ch.encode("cp1252", "ignore") else ascii_spelling(ch) for ch in text)


def typo(rng: random.Random, word: str) -> str:
    """``word`` with one letter swapped with the next, dropped or doubled (never the first)."""
    spots = [i for i in range(1, len(word) - 1) if word[i].isalpha() and word[i + 1].isalpha()]
    if len(word) < 4 or not spots:
        return word
    i = rng.choice(spots)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def email_case(rng: random.Random, email: str) -> str:
    local, domain = email.split("@")
    return rng.choice(
        (
            ".".join(part.capitalize() for part in local.split(".")) + "@" + domain,
            email.upper(),
            local + "@" + domain.capitalize(),
        )
    )


def german_date(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def euro(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"

"""How Kundenbild greets a person, in German and in English.

The form follows the person's preferences: ``du`` gives a first-name
greeting, ``Sie`` (or unknown) a formal one with title and surname; without a
known gender the formal greeting uses the full name instead of Herr / Frau,
and without a name at all (a company's contact address) it greets the
company: "Sehr geehrte Damen und Herren," / "Dear Sir or Madam,".
"""

from __future__ import annotations

from dataclasses import dataclass

GENDERS = ("male", "female", "neutral")

_GENDER_WORDS = {
    "m": "male", "male": "male", "mann": "male", "männlich": "male", "herr": "male", "mr": "male", "mr.": "male",
    "w": "female", "f": "female", "female": "female", "frau": "female", "weiblich": "female",
    "mrs": "female", "mrs.": "female", "ms": "female", "ms.": "female", "miss": "female",
    "d": "neutral", "x": "neutral", "divers": "neutral", "diverse": "neutral", "non-binary": "neutral",
    "o": "neutral", "n": "neutral", "mx": "neutral", "mx.": "neutral",
}  # fmt: skip


def gender_from(*values: str | None) -> str | None:
    """The first recognisable gender among values such as ``Herr`` or ``w``."""
    for value in values:
        if value:
            found = _GENDER_WORDS.get(value.strip().casefold())
            if found:
                return found
    return None


@dataclass(frozen=True)
class Addressee:
    first_name: str | None
    last_name: str | None
    title: str | None
    gender: str | None
    address_form: str


def greeting(person: Addressee, language: str) -> str:
    """The opening line of a letter to ``person`` in ``language`` (de or en)."""
    if language == "de":
        return _german(person)
    return _english(person)


def _full_name(person: Addressee) -> str:
    return " ".join(part for part in (person.first_name, person.last_name) if part)


def _formal_name(person: Addressee) -> str:
    return " ".join(part for part in (person.title, person.last_name) if part)


def _german(person: Addressee) -> str:
    if person.address_form == "du" and person.first_name:
        return f"Hallo {person.first_name},"
    if person.last_name and person.gender == "male":
        return f"Sehr geehrter Herr {_formal_name(person)},"
    if person.last_name and person.gender == "female":
        return f"Sehr geehrte Frau {_formal_name(person)},"
    name = " ".join(part for part in (person.title, _full_name(person)) if part)
    return f"Guten Tag {name}," if name else "Sehr geehrte Damen und Herren,"


def _english(person: Addressee) -> str:
    if person.address_form == "du" and person.first_name:
        return f"Hi {person.first_name},"
    if person.last_name and person.title:
        return f"Dear {_formal_name(person)},"
    if person.last_name and person.gender == "male":
        return f"Dear Mr {person.last_name},"
    if person.last_name and person.gender == "female":
        return f"Dear Ms {person.last_name},"
    name = _full_name(person)
    return f"Dear {name}," if name else "Dear Sir or Madam,"

"""A campaign's message as each recipient reads it: the placeholders filled in, in the person's language.

Templates are plain text with a few named placeholders in braces (``{greeting}``, ``{first_name}``,
``{last_name}``, ``{title}``, ``{today}``). Only these are replaced, by text, never by evaluating anything;
an unknown name in braces stays as written, so a template is never refused for it. The greeting is the one
the profile page shows (``cdp.profiles.salutation``): du or Sie, title, gender or the neutral form, and the
company's greeting where there is no name. Dates are written by Babel in the person's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from cdp.profiles.salutation import greeting
from cdp.profiles.unified import Profile

PLACEHOLDERS = ("greeting", "first_name", "last_name", "title", "today")
LANGUAGES = ("de", "en")
LOCALES = {"de": "de_DE", "en": "en_GB"}  # dates as a business in Europe writes them in each language
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Letter:
    """One recipient's message."""

    profile_id: int
    name: str
    language: str
    greeting: str
    subject: str
    body: str


def language_of(person: Profile) -> str:
    """The language to write to the person in: theirs where known (de or en), else German."""
    chosen = (person.language or "").strip().lower()[:2]
    return chosen if chosen in LANGUAGES else "de"


def letter(person: Profile, templates: dict[str, tuple[str, str]], today: date) -> Letter:
    """``person``'s letter from ``templates`` (``{language: (subject, body)}``); a language without a body of
    its own falls back to the other one."""
    language = language_of(person)
    subject, body = templates.get(language, ("", ""))
    if not body.strip():
        language = next((other for other in LANGUAGES if templates.get(other, ("", ""))[1].strip()), language)
        subject, body = templates.get(language, ("", ""))
    values = {
        "greeting": greeting(person.addressee(), language),
        "first_name": person.value("first_name") or "",
        "last_name": person.value("last_name") or "",
        "title": person.title or "",
        "today": format_date(today, "long", locale=LOCALES[language]),
    }
    return Letter(person.id, person.display_name, language, values["greeting"], fill(subject, values),
                  fill(body, values))  # fmt: skip


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each known placeholder replaced by its value, the rest left as written."""
    return _PLACEHOLDER.sub(lambda found: values.get(found[1], found[0]), template)

"""Who the invented people are: singles and households, which sources know them, and their handles."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from demo.people import Address, Inventor, Person
from demo.words import (
    CONTACT_SOURCES,
    HOUSEHOLD_START,
    LOCALES,
    SOCIAL_NETWORKS,
    SOURCE_COUNTS,
    SOURCE_WEIGHTS,
    TIMELINE_END,
)


def invent_people(inventor: Inventor, count: int) -> list[Person]:
    """``count`` people; about one in ten lives in a household with others."""
    persons: list[Person] = []
    while len(persons) < count:
        room = count - len(persons)
        if room >= 2 and inventor.chance(HOUSEHOLD_START):
            persons += _household(inventor, len(persons), min(room, inventor.rng.choice((2, 2, 3, 4))))
        else:
            persons.append(_single(inventor, len(persons)))
    return persons


def _single(inventor: Inventor, key: int) -> Person:
    """Someone living alone (or with people who are not in any source); some have moved."""
    locale = inventor.weighted(LOCALES)
    address, landline = inventor.home(locale)
    gender = inventor.weighted({"female": 50, "male": 49, "neutral": 1})
    person = _person(inventor, key, locale, gender, inventor.born(18, 85), address)
    person.landline = landline if inventor.chance(0.45) else None
    if inventor.chance(0.12):
        person.old_address = inventor.home(locale)[0]
    return person


def _household(inventor: Inventor, first_key: int, size: int) -> list[Person]:
    """Two to four people sharing surname, address and landline, each with their own first name."""
    locale = inventor.weighted(LOCALES)
    address, landline = inventor.home(locale)
    old_address = inventor.home(locale)[0] if inventor.chance(0.2) else None
    surname = inventor.fakers[locale].last_name()
    household: list[Person] = []
    for offset, (gender, born) in enumerate(_household_members(inventor, size)):
        taken = {member.first_name for member in household}
        person = _person(inventor, first_key + offset, locale, gender, born, address, surname, taken)
        person.landline, person.household, person.old_address = landline, first_key, old_address
        household.append(person)
    return household


def _household_members(inventor: Inventor, size: int) -> list[tuple[str, date]]:
    """(gender, birth date) of a couple and, beyond two, their children of 16 or more."""
    head_born = inventor.born(42 if size > 2 else 25, 80)
    head_gender = inventor.rng.choice(("female", "male"))
    partner_gender = "male" if head_gender == "female" else "female"
    members = [(head_gender, head_born), (partner_gender, _near(inventor, head_born))]
    eldest = head_born + timedelta(days=365 * 20)
    youngest = min(head_born + timedelta(days=365 * 38), TIMELINE_END - timedelta(days=365 * 16 + 5))
    for _ in range(size - 2):
        members.append((inventor.rng.choice(("female", "male")), inventor.day_between(eldest, youngest)))
    return members


def _near(inventor: Inventor, born: date) -> date:
    """A partner's birth date: within five years, and at least 18 years old."""
    return min(born + timedelta(days=inventor.rng.randint(-5 * 365, 5 * 365)), TIMELINE_END - timedelta(days=18 * 366))


def _person(
    inventor: Inventor,
    key: int,
    locale: str,
    gender: str,
    born: date,
    address: Address,
    surname: str = "",
    taken: Collection[str] = (),
) -> Person:
    """Everything about one person, including which sources know them and their handles."""
    faker, rng = inventor.fakers[locale], inventor.rng
    age = (TIMELINE_END - born).days // 365
    language = "de" if locale == "de_DE" or (address.country == "DE" and inventor.chance(0.25)) else "en"
    informal = 0.55 if age < 35 else 0.25
    person = Person(
        key=key,
        locale=locale,
        first_name=inventor.first_name(locale, gender, taken),
        last_name=surname or faker.last_name(),
        gender=gender,
        birth_date=born,
        address=address,
        language=language,
        address_form="du" if inventor.chance(informal if language == "de" else 0.45) else "Sie",
    )
    if age >= 30 and inventor.chance(0.07):
        person.title = "Prof. Dr." if inventor.chance(0.2) else "Dr."
    if gender == "female" and 25 <= age <= 65 and inventor.chance(0.08):
        person.maiden_name = faker.last_name()
    person.email = inventor.email(person.first_name, person.last_name, born)
    if inventor.chance(0.6 if person.maiden_name else 0.1):
        person.old_email = inventor.email(person.first_name, person.maiden_name or person.last_name, born)
    person.mobile = inventor.mobile(address.country) if inventor.chance(0.9) else None
    german_company = faker.last_name() + rng.choice((" GmbH", " AG", " GmbH & Co. KG", " KG"))
    person.company = german_company if locale == "de_DE" else faker.company()
    person.job_title = faker.job()
    person.sources = _sources(inventor, person)
    person.handles = _handles(inventor, person)
    return person


def _sources(inventor: Inventor, person: Person) -> tuple[str, ...]:
    """One to four contact sources; about half the people are in two or more."""
    weights = dict(SOURCE_WEIGHTS)
    if person.language == "en":
        weights["xing"] = 2
    chosen: list[str] = []
    for _ in range(inventor.weighted(SOURCE_COUNTS)):
        pick = inventor.weighted({name: weight for name, weight in weights.items() if name not in chosen})
        chosen.append(pick)
    return tuple(name for name in CONTACT_SOURCES if name in chosen)


def _handles(inventor: Inventor, person: Person) -> dict[str, str]:
    networks = [name for name in ("xing", "linkedin") if name in person.sources or inventor.chance(0.05)]
    if "social" in person.sources:
        networks += inventor.rng.sample(SOCIAL_NETWORKS, inventor.weighted({1: 60, 2: 30, 3: 10}))
    elif inventor.chance(0.1):
        networks.append(inventor.rng.choice(SOCIAL_NETWORKS))
    return {network: inventor.handle(network, person.first_name, person.last_name) for network in networks}

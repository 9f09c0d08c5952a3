"""The ground truth: invented people, their addresses and phones, and the ``Inventor`` that makes them up.

The ``Inventor`` draws every random choice from one seeded ``random.Random`` and Faker instances seeded
alike, so a seed always gives the same people; identifiers it hands out are unique.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

import phonenumbers
from faker import Faker

from demo.spelling import ascii_spelling, slug
from demo.words import (
    EMAIL_DOMAINS,
    FORMAL_NAMES,
    GERMAN_CITIES,
    GERMAN_MOBILE_PREFIXES,
    GERMAN_STREETS,
    LOCALES,
    TIMELINE_END,
    UK_CITIES,
    UK_STREETS,
    US_CITIES,
    US_STREETS,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Address:
    street: str
    house_number: str
    postcode: str
    city: str
    country: str  # ISO 3166 code


@dataclass(frozen=True)
class Phone:
    country: str  # calling code without +
    area: str  # area or mobile prefix, without trunk 0
    subscriber: str

    @property
    def e164(self) -> str:
        return f"+{self.country}{self.area}{self.subscriber}"


@dataclass
class Person:
    """One invented person as they really are; sources see variations of this."""

    key: int
    locale: str
    first_name: str
    last_name: str
    gender: str  # male, female or neutral
    birth_date: date
    address: Address
    language: str
    address_form: str  # du or Sie
    email: str = ""
    title: str = ""
    mobile: Phone | None = None
    landline: Phone | None = None
    company: str = ""
    job_title: str = ""
    handles: dict[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    household: int | None = None
    maiden_name: str = ""  # the surname before marriage, still used by older sources
    old_email: str = ""
    old_address: Address | None = None


class Inventor:
    """Random choices with memory: identifiers it hands out are unique."""

    def __init__(self, seed: int, region: str) -> None:
        self.rng = random.Random(seed)
        self.fakers = {locale: Faker(locale) for locale in LOCALES}
        for faker in self.fakers.values():
            faker.seed_instance(seed)
        self.used: set[str] = set()
        self.home_calling_code = str(phonenumbers.country_code_for_region(region))

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def weighted(self, weights: Mapping[T, float]) -> T:
        """One of the keys, each as likely as its weight."""
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def unique(self, kind: str, make: Callable[[int], str]) -> str:
        """The first of ``make(0)``, ``make(1)``, … not yet handed out for ``kind``."""
        for attempt in itertools.count():
            value = make(attempt)
            if f"{kind}:{value.casefold()}" not in self.used:
                self.used.add(f"{kind}:{value.casefold()}")
                return value
        raise AssertionError("unreachable")

    def digits(self, count: int, first: str = "123456789") -> str:
        return self.rng.choice(first) + "".join(self.rng.choice("0123456789") for _ in range(count - 1))

    def day_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def moment_on(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, self.rng.randint(6, 23), self.rng.randrange(60))

    def born(self, min_age: int, max_age: int) -> date:
        return TIMELINE_END - timedelta(days=self.rng.randint(min_age * 365 + 1, max_age * 365 + 364))

    # Names, homes and numbers.

    def first_name(self, locale: str, gender: str, taken: Collection[str] = ()) -> str:
        """A first name not in ``taken``; one in five has a common nickname."""
        faker = self.fakers[locale]
        while True:
            if gender == "neutral":
                name = faker.first_name()
            elif self.chance(0.2):
                name = self.rng.choice(FORMAL_NAMES[(locale[:2], gender)])
            else:
                name = faker.first_name_male() if gender == "male" else faker.first_name_female()
            if name not in taken:
                return name

    def home(self, locale: str) -> tuple[Address, Phone]:
        """An address and the landline that goes with it; half the English speakers live in Germany."""
        country = "DE" if locale == "de_DE" or self.chance(0.5) else locale[-2:]
        number = str(self.rng.choice((*range(1, 60), *range(1, 200))))  # low numbers are more common
        if self.chance(0.08):
            number += self.rng.choice("abc")
        return {"DE": self.german_home, "GB": self.british_home, "US": self.american_home}[country](number)

    def german_home(self, number: str) -> tuple[Address, Phone]:
        city, prefix, area = self.rng.choice(GERMAN_CITIES)
        postcode = prefix + self.digits(3, "0123456789")
        landline = self.phone("49", area, 10 - len(area))
        return Address(self.rng.choice(GERMAN_STREETS), number, postcode, city, "DE"), landline

    def british_home(self, number: str) -> tuple[Address, Phone]:
        city, area_letters, area = self.rng.choice(UK_CITIES)
        inward = f"{self.rng.randint(1, 9)}{''.join(self.rng.choices('ABDEFGHJLNPQRSTUWXYZ', k=2))}"
        postcode = f"{area_letters}{self.rng.randint(1, 20)} {inward}"
        landline = self.phone("44", area, 10 - len(area))
        return Address(self.rng.choice(UK_STREETS), number, postcode, city, "GB"), landline

    def american_home(self, number: str) -> tuple[Address, Phone]:
        city, zip_prefix, area = self.rng.choice(US_CITIES)
        postcode = zip_prefix + self.digits(2, "0123456789")
        return Address(self.rng.choice(US_STREETS), number, postcode, city, "US"), self.phone("1", area, 7, "23456789")

    def phone(self, country: str, area: str, length: int, first: str = "123456789") -> Phone:
        number = self.unique("phone", lambda _: country + area + self.digits(length, first))
        return Phone(country, area, number[len(country) + len(area) :])

    def mobile(self, country: str) -> Phone:
        if country == "DE":
            prefix = self.rng.choice(GERMAN_MOBILE_PREFIXES)
            return self.phone("49", prefix, 8 if prefix.startswith("15") else 7)
        if country == "GB":
            return self.phone("44", "7" + self.digits(3), 6)
        return self.phone("1", self.rng.choice(US_CITIES)[2], 7, first="23456789")

    def email(self, first: str, last: str, born: date) -> str:
        first, last = slug(first), slug(last)
        base = self.rng.choice(
            (f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}", f"{last}.{first}", f"{first}_{last}",
             f"{first}.{last}{born.year % 100:02d}", f"{first}{born.year}")
        )  # fmt: skip
        domain = self.rng.choice(EMAIL_DOMAINS)
        return self.unique("email", lambda n: f"{base}{n + 1 if n else ''}@{domain}")

    def handle(self, network: str, first: str, last: str) -> str:
        """A handle that fits the network's rules (lower case except XING profile names)."""
        f, s = slug(first), slug(last)
        if network == "xing":
            base = "_".join(re.sub(r"[^A-Za-z0-9-]", "", ascii_spelling(part)) or "Kunde" for part in (first, last))
            return self.unique(network, lambda n: f"{base}{n + 1 if n else ''}")
        if network == "linkedin":
            base = self.rng.choice((f"{f}-{s}", f"{f}{s}", f"{f}-{s}-{self.rng.getrandbits(28):07x}"))
            return self.unique(network, lambda n: f"{base}-{n + 1}" if n else base)
        options = {
            "x": (f"{f}_{s[0]}", f"{f}{s}", f"{f[0]}{s}", f"{f}_{s}", f"{s}{f[0]}"),
            "instagram": (f"{f}.{s}", f"{f}_{s}", f"{f}{s}", f"{f}.{s[0]}", f"{f}.tea.{s}"),
            "facebook": (f"{f}.{s}", f"{f}{s}", f"{f}.{s}.{self.rng.randint(1, 99)}"),
        }[network]
        base = self.rng.choice(options)[: 12 if network == "x" else 26]
        return self.unique(network, lambda n: f"{base}{n + 1 if n else ''}")

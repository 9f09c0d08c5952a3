"""Synthetic customer records with known truth, and pairwise scoring of identity resolution.

What is measured: how well an identity resolver groups source records into people. ``generate`` invents
people and the records several sources hold about them, with the flaws real exports have (typos, OCR
errors, swapped names, nicknames, missing values, moved addresses, married names, Müller/Mueller and
case/space variants, duplicates within and across sources, and households sharing address, surname and
landline). It returns the records and, in parallel, the true person id of each. ``score`` compares any
clustering with that truth as *pairwise* precision, recall and F1 of links, counted from cluster sizes
and a contingency table, so it never enumerates the pairs of a large cluster.

Profiles give very different data sets:

* ``clean``: few errors, most records carry email, phone, handles or customer numbers.
* ``messy``: many typos, OCR errors and gaps, few shared identifiers, many moves and married names.
* ``households``: almost half of the people live in families at one address, some share an email,
  some have a parent's first name or a twin's birth date.

The generator is deterministic for ``(n_records, seed, profile)`` and needs no network; names come from
Faker's bundled lists, streets and cities from ``demo.words``. Try it::

    .venv/bin/python bench/identity_data.py --records 1000000 --profile messy
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from faker.providers.person import de_DE, en_GB, en_US

from demo.spelling import typo
from demo.spelling import umlaut_spelling as ascii_umlauts
from demo.words import FORMAL_NAMES, GERMAN_CITIES, GERMAN_STREETS, NICKNAMES, UK_CITIES, UK_STREETS

FIELDS = ("record_id", "source", "first_name", "last_name", "birth_date", "email", "phone", "street",
          "house_number", "postcode", "city", "x", "instagram", "facebook", "xing", "linkedin",
          "customer_number")  # fmt: skip
HANDLES = ("x", "instagram", "facebook", "xing", "linkedin")

# Which fields each source exports besides the name, and how often a record comes from it.
SOURCES: dict[str, tuple[str, ...]] = {
    "webshop": ("birth_date", "email", "phone", "address", "customer_number"),
    "newsletter": ("email",),
    "pos": ("birth_date", "phone", "address", "customer_number"),
    "crm": ("birth_date", "email", "phone", "address", "customer_number"),
    "support": ("email", "phone"),
    "social": ("x", "instagram", "facebook"),
    "xing": ("xing", "email"),
    "linkedin": ("linkedin", "email"),
}
SOURCE_WEIGHTS = {"webshop": 30, "newsletter": 22, "pos": 14, "crm": 10, "support": 9, "social": 8, "xing": 3,
                  "linkedin": 4}  # fmt: skip
OLD_SOURCES = frozenset({"newsletter", "pos", "crm"})  # more likely to hold an old address or maiden name
OCR_SWAPS = (("rn", "m"), ("m", "rn"), ("0", "O"), ("O", "0"), ("l", "1"), ("1", "l"), ("I", "l"), ("cl", "d"),
             ("ii", "ü"), ("e", "c"), ("h", "b"))  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "example.de", "mail.example")
US_CITIES = (("New York", "100"), ("Boston", "021"), ("Chicago", "606"), ("Seattle", "981"), ("Austin", "787"))
LATEST_BIRTH = date(2007, 12, 31)  # customers are adults
US_STREETS = ("Main Street", "Oak Street", "Maple Avenue", "Pine Street", "Cedar Lane", "Elm Street")


@dataclass(frozen=True)
class Profile:
    """How many records people have, how they live, and how often each flaw occurs."""

    records_per_person: dict[int, float]
    household_start: float  # chance the next person founds a household (mean size ~3)
    shared_email: float  # chance a household uses one family email
    same_name_child: float  # chance a child has a parent's first name
    twins: float  # chance a child has a sibling's birth date
    typo: float  # per name/street/email: keyboard typo
    ocr: float  # per name/street: OCR confusion (rn→m, 0→O, l→1 …)
    swap: float  # first and last name swapped
    nickname: float
    spelling: float  # Mueller for Müller, case, spaces, Str. for Straße
    missing: float  # base chance an optional field is empty
    email: float  # chance a person has an email
    mobile: float
    handle: float  # chance of a handle on each network
    customer_number: float  # chance a shop/POS/CRM record carries the customer number
    new_account: float  # chance a duplicate in a shop gets a fresh customer number
    moved: float
    married: float
    old_value: float  # chance a record shows the old address / maiden name / old email, if any
    date_error: float  # day and month swapped or a digit wrong
    digit_error: float  # a wrong digit in phone or customer number


PROFILES: dict[str, Profile] = {
    "clean": Profile(
        records_per_person={1: 30, 2: 35, 3: 22, 4: 13}, household_start=0.045, shared_email=0.05,
        same_name_child=0.03, twins=0.02, typo=0.02, ocr=0.005, swap=0.005, nickname=0.06, spelling=0.08,
        missing=0.04, email=0.97, mobile=0.9, handle=0.5, customer_number=0.95, new_account=0.05, moved=0.05,
        married=0.03, old_value=0.3, date_error=0.005, digit_error=0.005,
    ),
    "messy": Profile(
        records_per_person={1: 35, 2: 30, 3: 18, 4: 10, 5: 7}, household_start=0.05, shared_email=0.15,
        same_name_child=0.05, twins=0.03, typo=0.18, ocr=0.07, swap=0.05, nickname=0.25, spelling=0.3,
        missing=0.35, email=0.6, mobile=0.5, handle=0.12, customer_number=0.3, new_account=0.4, moved=0.3,
        married=0.12, old_value=0.6, date_error=0.06, digit_error=0.04,
    ),
    "households": Profile(
        records_per_person={1: 30, 2: 35, 3: 22, 4: 13}, household_start=0.22, shared_email=0.35,
        same_name_child=0.12, twins=0.08, typo=0.06, ocr=0.02, swap=0.02, nickname=0.12, spelling=0.15,
        missing=0.15, email=0.8, mobile=0.6, handle=0.25, customer_number=0.6, new_account=0.15, moved=0.12,
        married=0.08, old_value=0.4, date_error=0.02, digit_error=0.01,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Address:
    street: str
    house_number: str
    postcode: str
    city: str


@dataclass
class Person:
    """One invented person as they really are."""

    pid: int
    language: str  # de or en
    gender: str  # male or female
    first_name: str
    last_name: str
    birth: date
    address: Address
    landline: str
    mobile: str = ""
    email: str = ""
    customer_number: str = ""
    handles: dict[str, str] = field(default_factory=dict)
    maiden_name: str = ""
    old_address: Address | None = None
    old_email: str = ""


class _Names:
    """Faker's bundled first and last names (weighted where Faker has weights) plus the formal names."""

    def __init__(self) -> None:
        self.pools: dict[tuple[str, str], tuple[list[str], list[float]]] = {}
        for gender, attr in (("male", "first_names_male"), ("female", "first_names_female")):
            self.pools["de", gender] = _pool([getattr(de_DE.Provider, attr), FORMAL_NAMES["de", gender] * 60])
            self.pools["en", gender] = _pool(
                [getattr(en_GB.Provider, attr), getattr(en_US.Provider, attr), FORMAL_NAMES["en", gender] * 8]
            )
        self.pools["de", "last"] = _pool([de_DE.Provider.last_names])
        self.pools["en", "last"] = _pool([en_GB.Provider.last_names, en_US.Provider.last_names])

    def pick(self, rng: random.Random, language: str, kind: str) -> str:
        names, cumulative = self.pools[language, kind]
        return rng.choices(names, cum_weights=cumulative)[0]


def _pool(sources: Iterable[Sequence[str] | dict[str, float]]) -> tuple[list[str], list[float]]:
    weights: Counter[str] = Counter()
    for source in sources:
        if isinstance(source, dict):
            total = sum(source.values())
            for name, weight in source.items():
                weights[name] += weight / total * len(source)
        else:
            for name in source:
                weights[name] += 1.0
    names = sorted(weights)
    cumulative, running = [], 0.0
    for name in names:
        running += weights[name]
        cumulative.append(running)
    return names, cumulative


_NAMES: _Names | None = None


def _names() -> _Names:
    global _NAMES
    if _NAMES is None:
        _NAMES = _Names()
    return _NAMES


# Inventing people and households.


class _People:
    """Invents people, alone or in households; every identifier it hands out is unique."""

    def __init__(self, rng: random.Random, profile: Profile) -> None:
        self.rng, self.profile, self.names = rng, profile, _names()
        self.used: set[str] = set()
        self.next_pid = 0

    def unique(self, make_base: str, suffix_digits: int = 0) -> str:
        value = make_base
        while value in self.used:
            value = make_base + str(self.rng.randrange(10 ** max(suffix_digits, 2)))
        self.used.add(value)
        return value

    def digits(self, count: int) -> str:
        return str(self.rng.randrange(10 ** (count - 1), 10**count))

    def next_group(self) -> list[Person]:
        """One person living alone, or a household of two to five."""
        founder = self.person(self.rng.choice(("de",) * 7 + ("en",) * 3))
        if self.rng.random() >= self.profile.household_start:
            return [founder]
        return self.household(founder)

    def person(self, language: str, gender: str = "", last: str = "", birth: date | None = None,
               home: tuple[Address, str] | None = None) -> Person:  # fmt: skip
        rng, profile = self.rng, self.profile
        gender = gender or rng.choice(("male", "female"))
        birth = birth or date.fromordinal(date(1940, 1, 1).toordinal() + rng.randrange(66 * 365))
        address, landline = home or self.home(language)
        person = Person(self.next_pid, language, gender, self.names.pick(rng, language, gender),
                        last or self.names.pick(rng, language, "last"), birth, address, landline)  # fmt: skip
        self.next_pid += 1
        if rng.random() < profile.mobile:
            person.mobile = self.unique("+49" + rng.choice(("151", "160", "170", "176")) + self.digits(8))
        if rng.random() < profile.customer_number:
            person.customer_number = self.unique(self.digits(8))
        if rng.random() < profile.moved:
            person.old_address = self.home(language)[0]
        self.add_online(person)
        return person

    def add_online(self, person: Person) -> None:
        rng, profile = self.rng, self.profile
        first, last = _slug(person.first_name), _slug(person.last_name)
        if rng.random() < profile.email:
            person.email = self.email(first, last, person.birth)
            if rng.random() < profile.moved:
                person.old_email = self.email(first, last, person.birth)
        for network in HANDLES:
            if rng.random() < profile.handle:
                base = f"{first}_{last}" if network == "xing" else rng.choice((f"{first}{last}", f"{first}.{last}"))
                person.handles[network] = self.unique(f"{network}:{base}", 3).split(":", 1)[1]

    def email(self, first: str, last: str, born: date) -> str:
        local = self.rng.choice((f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}", f"{last}.{first}",
                                 f"{first}.{last}{born.year % 100:02d}", f"{first}{born.year}"))  # fmt: skip
        return self.unique(f"{local}@{self.rng.choice(EMAIL_DOMAINS)}", 3)

    def home(self, language: str) -> tuple[Address, str]:
        rng = self.rng
        number = str(rng.randint(1, 120)) + (rng.choice("abc") if rng.random() < 0.08 else "")
        if language == "de" or rng.random() < 0.5:
            city, prefix, area = rng.choice(GERMAN_CITIES)
            address = Address(rng.choice(GERMAN_STREETS), number, prefix + self.digits(4)[1:], city)
            return address, self.unique(f"+49{area}{self.digits(10 - len(area))}")
        if rng.random() < 0.5:
            city, letters, area = rng.choice(UK_CITIES)
            inward = f"{rng.randint(1, 9)}{''.join(rng.choices('ABDEFGHJLNPQRSTUWXYZ', k=2))}"
            postcode = f"{letters}{rng.randint(1, 20)} {inward}"
            return Address(rng.choice(UK_STREETS), number, postcode, city), self.unique(f"+44{area}{self.digits(6)}")
        city, zip_prefix = rng.choice(US_CITIES)
        address = Address(rng.choice(US_STREETS), number, zip_prefix + self.digits(3)[1:], city)
        return address, self.unique(f"+1{rng.randint(201, 989)}{self.digits(7)}")

    def household(self, founder: Person) -> list[Person]:
        """A couple (most share a surname: one of them married into it) and adult children at one address."""
        rng, profile = self.rng, self.profile
        home = (founder.address, founder.landline)
        if founder.old_address:
            founder.old_address = None  # the family moved together; keep it simple
        partner_gender = "female" if founder.gender == "male" else "male"
        partner_birth = date.fromordinal(founder.birth.toordinal() + rng.randint(-2500, 2500))
        partner = self.person(founder.language, partner_gender, founder.last_name, partner_birth, home)
        if rng.random() < 0.8:
            partner.maiden_name = self.names.pick(rng, founder.language, "last")
        else:
            partner.last_name = self.names.pick(rng, founder.language, "last")
        members = [founder, partner]
        children: list[Person] = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3)) if founder.birth.year < 1986 else 0):
            child = self.child(founder, children, home)
            children.append(child)
        members += children
        if rng.random() < profile.shared_email and founder.email:
            for member in members[1:]:
                if rng.random() < 0.7:
                    member.email = founder.email
        return members

    def child(self, parent: Person, siblings: list[Person], home: tuple[Address, str]) -> Person:
        rng, profile = self.rng, self.profile
        if siblings and rng.random() < profile.twins:
            birth = siblings[-1].birth
        else:
            latest = min(parent.birth.toordinal() + 40 * 365, LATEST_BIRTH.toordinal())
            birth = date.fromordinal(rng.randint(min(parent.birth.toordinal() + 18 * 365, latest - 365), latest))
        child = self.person(parent.language, "", parent.last_name, birth, home)
        if rng.random() < profile.same_name_child:
            child.gender, child.first_name = parent.gender, parent.first_name
        else:
            taken = {sibling.first_name for sibling in siblings} | {parent.first_name}
            while child.first_name in taken:
                child.first_name = self.names.pick(rng, parent.language, child.gender)
        return child


def _slug(text: str) -> str:
    return "".join(ch for ch in ascii_umlauts(text).lower() if ch.isascii() and ch.isalnum()) or "kunde"


# Deriving the records sources hold, with their flaws.


class _Records:
    """Turns a person into the record one source holds, with that profile's flaws."""

    def __init__(self, rng: random.Random, profile: Profile) -> None:
        self.rng, self.profile = rng, profile
        self.sources, self.source_weights = list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values())
        self.counts, self.count_weights = list(profile.records_per_person), list(profile.records_per_person.values())
        self.extra_numbers: set[str] = set()

    def of(self, person: Person) -> list[dict[str, str]]:
        count = self.rng.choices(self.counts, self.count_weights)[0]
        sources = self.rng.choices(self.sources, self.source_weights, k=count)
        return [self.record(person, source, repeat=source in sources[:i]) for i, source in enumerate(sources)]

    def record(self, person: Person, source: str, repeat: bool) -> dict[str, str]:
        rng, profile = self.rng, self.profile
        fields = SOURCES[source]
        old = source in OLD_SOURCES and rng.random() < profile.old_value
        first, last = self.first_name(person), self.last_name(person, old)
        if rng.random() < profile.swap:
            first, last = last, first
        record = dict.fromkeys(FIELDS, "")
        record["source"], record["first_name"], record["last_name"] = source, first, last
        if "birth_date" in fields and self.present():
            record["birth_date"] = self.birth_date(person.birth)
        if "email" in fields and self.present():
            record["email"] = self.email(person.old_email if old and person.old_email else person.email)
        if "phone" in fields and self.present():
            record["phone"] = self.phone(person, source)
        if "address" in fields:
            self.add_address(record, person.old_address if old and person.old_address else person.address)
        for network in HANDLES:
            if network in fields and network in person.handles and self.present():
                record[network] = self.handle(person.handles[network])
        if "customer_number" in fields and person.customer_number:
            record["customer_number"] = self.customer_number(person.customer_number, repeat)
        return record

    def present(self, factor: float = 1.0) -> bool:
        return self.rng.random() >= self.profile.missing * factor

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def first_name(self, person: Person) -> str:
        name = person.first_name
        if name in NICKNAMES and self.chance(self.profile.nickname):
            name = self.rng.choice(NICKNAMES[name])
        if not self.present(0.15):
            return ""
        return self.garble(name)

    def last_name(self, person: Person, old: bool) -> str:
        name = person.maiden_name if old and person.maiden_name else person.last_name
        if not self.present(0.05):
            return ""
        return self.garble(name)

    def garble(self, text: str) -> str:
        """``text`` with this profile's chance of a typo, an OCR confusion and a spelling variant."""
        if self.chance(self.profile.typo):
            text = typo(self.rng, text)
        if self.chance(self.profile.ocr):
            text = ocr_error(self.rng, text)
        if self.chance(self.profile.spelling):
            text = spelling_variant(self.rng, text)
        return text

    def birth_date(self, birth: date) -> str:
        if self.chance(self.profile.date_error):
            if birth.day <= 12 and self.chance(0.5):
                return f"{birth.year}-{birth.day:02d}-{birth.month:02d}"
            return _wrong_digit(self.rng, birth.isoformat(), start=2)
        return birth.isoformat()

    def email(self, email: str) -> str:
        if not email:
            return ""
        if self.chance(self.profile.typo / 2):
            local, domain = email.split("@")
            email = typo(self.rng, local) + "@" + domain
        if self.chance(self.profile.spelling):
            email = self.rng.choice((email.upper(), email.capitalize(), f" {email}"))
        return email

    def phone(self, person: Person, source: str) -> str:
        mobile_first = source in ("support", "webshop")
        number = person.mobile if person.mobile and (mobile_first or self.chance(0.4)) else person.landline
        if self.chance(self.profile.digit_error):
            number = _wrong_digit(self.rng, number, start=4)
        return number

    def add_address(self, record: dict[str, str], address: Address) -> None:
        if not self.present(0.5):
            return
        record["street"] = self.street(address.street)
        record["house_number"] = self.house_number(address.house_number) if self.present(0.5) else ""
        record["postcode"] = address.postcode if self.present(0.5) else ""
        record["city"] = self.garble(address.city) if self.present(0.7) else ""

    def street(self, street: str) -> str:
        if self.chance(self.profile.spelling) and street.endswith("straße"):
            street = street[:-6] + self.rng.choice(("str.", "strasse", "Str.", " Straße"))
        return self.garble(street)

    def house_number(self, number: str) -> str:
        if number[-1].isalpha() and self.chance(self.profile.spelling):
            return self.rng.choice((number[:-1] + " " + number[-1], number.upper(), number[:-1]))
        return number

    def handle(self, handle: str) -> str:
        return "@" + handle if self.chance(self.profile.spelling) else handle

    def customer_number(self, number: str, repeat: bool) -> str:
        if repeat and self.chance(self.profile.new_account):
            number = str(self.rng.randrange(10**7, 10**8))
            while number in self.extra_numbers:
                number = str(self.rng.randrange(10**7, 10**8))
            self.extra_numbers.add(number)  # may rarely clash with a person's number, as in real systems
        if not self.chance(self.profile.customer_number):
            return ""
        if self.chance(self.profile.digit_error):
            number = _wrong_digit(self.rng, number, start=0)
        if self.chance(self.profile.spelling):
            number = self.rng.choice(("K-" + number, "KD" + number, number.lstrip("0") or number))
        return number


def ocr_error(rng: random.Random, text: str) -> str:
    """``text`` with one OCR confusion: rn→m, m→rn, 0→O, l→1 and the like, if any applies."""
    options = [(old, new) for old, new in OCR_SWAPS if old in text]
    if not options:
        return text
    old, new = rng.choice(options)
    spots = [i for i in range(len(text)) if text.startswith(old, i)]
    i = rng.choice(spots)
    return text[:i] + new + text[i + len(old) :]


def spelling_variant(rng: random.Random, text: str) -> str:
    """The same name as another system spells it: Mueller for Müller, case, spaces or hyphens."""
    kind = rng.randrange(5)
    if kind == 0 and ascii_umlauts(text) != text:
        return ascii_umlauts(text)
    if kind == 1:
        return text.upper()
    if kind == 2:
        return text.lower()
    if kind == 3 and ("-" in text or " " in text):
        return text.replace("-", " ") if "-" in text else text.replace(" ", "-")
    return rng.choice((f" {text}", f"{text} ", f" {text}  "))


def _wrong_digit(rng: random.Random, text: str, start: int) -> str:
    spots = [i for i in range(start, len(text)) if text[i].isdigit()]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + rng.choice([d for d in "0123456789" if d != text[i]]) + text[i + 1 :]


def generate(n_records: int, seed: int, profile: str) -> tuple[list[dict], list[int]]:
    """``n_records`` source records in random order and the true person id of each (parallel lists)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    settings = PROFILES[profile]
    rng = random.Random(f"{profile}:{seed}")
    people, records = _People(rng, settings), _Records(rng, settings)
    rows: list[tuple[int, dict[str, str]]] = []
    while len(rows) < n_records:
        for person in people.next_group():
            rows += [(person.pid, record) for record in records.of(person)]
    del rows[n_records:]
    rng.shuffle(rows)
    counters: Counter[str] = Counter()
    for _, record in rows:
        counters[record["source"]] += 1
        record["record_id"] = f"{record['source']}-{counters[record['source']]:07d}"
    return [record for _, record in rows], [pid for pid, _ in rows]


def with_profile(name: str, **changes: float) -> Profile:
    """A variant of a named profile, e.g. ``with_profile("clean", typo=0.1)``; register it in PROFILES to use it."""
    return replace(PROFILES[name], **changes)


# Scoring.


def pairs(truth: Sequence[Hashable]) -> set[tuple[int, int]]:
    """Every pair ``(i, j)``, ``i < j``, of record indices with the same label. For small data and tests only."""
    members: dict[Hashable, list[int]] = {}
    for index, label in enumerate(truth):
        members.setdefault(label, []).append(index)
    return {(a, b) for group in members.values() for i, a in enumerate(group) for b in group[i + 1 :]}


def labels_from_clusters(clusters: Iterable[Iterable[int]], n_records: int) -> list[int]:
    """Cluster labels per record from groups of record indices; records in no group are singletons."""
    labels = list(range(n_records, 2 * n_records))
    for number, cluster in enumerate(clusters):
        for index in cluster:
            labels[index] = number
    return labels


def _linked_pairs(sizes: Iterable[int]) -> int:
    return sum(size * (size - 1) // 2 for size in sizes)


def score(predicted_clusters: Sequence[Hashable] | Sequence[Iterable[int]], truth: Sequence[Hashable]) -> dict:
    """Pairwise precision, recall and F1 of the links ``predicted_clusters`` implies, against ``truth``.

    ``predicted_clusters`` is either a label per record (parallel to ``truth``) or a list of clusters, each
    an iterable of record indices (records in none are singletons). A link is a pair of records in one
    cluster; pairs are counted from cluster sizes and the predicted × true contingency table.
    """
    labels = predicted_clusters
    if labels and isinstance(labels[0], list | tuple | set | frozenset):
        labels = labels_from_clusters(predicted_clusters, len(truth))  # type: ignore[arg-type]
    if len(labels) != len(truth):
        raise ValueError(f"{len(labels)} predicted labels for {len(truth)} records")
    predicted_pairs = _linked_pairs(Counter(labels).values())
    true_pairs = _linked_pairs(Counter(truth).values())
    correct = _linked_pairs(Counter(zip(labels, truth, strict=True)).values())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": true_pairs,
            "predicted_pairs": predicted_pairs, "correct_pairs": correct}  # fmt: skip


def describe(records: list[dict], truth: list[int]) -> dict[str, float]:
    """A few figures about a generated data set: people, records per person, how often fields are filled."""
    people = len(set(truth))
    filled = {name: sum(1 for record in records if record[name]) / len(records) for name in FIELDS[2:]}
    return {"records": len(records), "people": people, "records_per_person": len(records) / people} | filled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="messy")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    records, truth = generate(args.records, args.seed, args.profile)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"generated {len(records):,} records in {elapsed:.1f} s, peak RSS {peak:.0f} MB")
    for name, value in describe(records, truth).items():
        print(f"  {name:<20}{value:>12,.3f}" if isinstance(value, float) else f"  {name:<20}{value:>12,}")
    print("  sample:", records[0])


if __name__ == "__main__":
    main()

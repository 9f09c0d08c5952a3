"""Dirty people data in three shapes, with known truth, corrupted the way FEBRL corrupts it.

``bench/identity_data.py`` invents customers of a shop with emails, phones and handles; its flaws
are the ones Kundenbild was built against. The shapes here are the ones record-linkage research
measures with, and nobody tunes to them: people with no email and no phone at all, only names,
a birth date and an address, corrupted as Christen's FEBRL generator corrupts records (typos of
one or two letters: substituted by a keyboard neighbour, inserted, dropped, swapped with the next;
OCR and phonetic confusions; missing values; first and last name swapped; birth dates a digit off,
two digits swapped, day and month swapped or impossible; street, suburb and postcode typos).

* ``linkage``: two files of the same people, every person once in each; the first file as
  recorded, the second with one to three modifications per record (FEBRL 4's shape).
* ``dedupe``: one file; 40 % of the records are originals, the rest up to nine duplicates of one
  of them, each with one to three modifications (FEBRL 3's shape).
* ``households``: a census-like sample taken twice, ten years apart: families at one address share
  a surname (parents, children, twins, a son with his father's first name); between the two counts
  people move, marry, die and are born, and the clerks' transcription adds errors.

Each record is a dict of ``identity_data.FIELDS`` (empty strings where nothing is known) and
``generate`` returns the records and each one's person, so ``identity_data.score`` scores any
clustering. Deterministic for ``(shape, n_records, seed)``; nothing is downloaded::

    .venv/bin/python bench/identity_shapes.py --shape dedupe --records 100000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from identity_data import FIELDS, _names, describe

from demo.words import GERMAN_CITIES, GERMAN_STREETS, NICKNAMES, UK_CITIES, UK_STREETS

SHAPES = ("linkage", "dedupe", "households")
KEYBOARD = {  # QWERTZ neighbours, as a typist slips
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "rzg", "z": "tuh", "u": "zij", "i": "uok", "o": "ipl",
    "p": "oü", "a": "qsy", "s": "adw", "d": "sfe", "f": "dgr", "g": "fht", "h": "gjz", "j": "hku", "k": "jli",
    "l": "kö", "y": "xa", "x": "ycs", "c": "xvd", "v": "cbf", "b": "vng", "n": "bmh", "m": "nj",
}  # fmt: skip
OCR = (("rn", "m"), ("m", "rn"), ("cl", "d"), ("li", "h"), ("e", "c"), ("h", "b"), ("u", "v"), ("1", "l"))
PHONETIC = (("ph", "f"), ("f", "ph"), ("th", "t"), ("ck", "k"), ("tz", "z"), ("ei", "ai"), ("ai", "ei"),
            ("ie", "y"), ("y", "i"), ("ss", "ß"), ("mm", "m"), ("nn", "n"), ("dt", "t"), ("c", "k"))  # fmt: skip
CENSUS = date(2011, 5, 9)  # the first count of ``households``; the second is ten years on


@dataclass(frozen=True)
class Person:
    pid: int
    first_name: str
    last_name: str
    gender: str
    birth: date
    street: str
    house_number: str
    postcode: str
    city: str


# Inventing people and families.


class _People:
    def __init__(self, rng: random.Random) -> None:
        self.rng, self.names, self.next_pid = rng, _names(), 0

    def language(self) -> str:
        return "de" if self.rng.random() < 0.7 else "en"

    def address(self, language: str) -> dict[str, str]:
        rng = self.rng
        number = str(rng.randint(1, 140)) + (rng.choice("abc") if rng.random() < 0.06 else "")
        if language == "de":
            city, prefix, _ = rng.choice(GERMAN_CITIES)
            return {"street": rng.choice(GERMAN_STREETS), "house_number": number,
                    "postcode": prefix + f"{rng.randrange(1000):03d}", "city": city}  # fmt: skip
        city, letters, _ = rng.choice(UK_CITIES)
        inward = "".join(rng.choices("ABDEFGHJLNPQRSTUWXYZ", k=2))
        postcode = f"{letters}{rng.randint(1, 20)} {rng.randint(1, 9)}{inward}"
        return {"street": rng.choice(UK_STREETS), "house_number": number, "postcode": postcode, "city": city}

    def person(self, language: str, *, gender: str = "", last: str = "", first: str = "", born: date | None = None,
               home: dict[str, str] | None = None) -> Person:  # fmt: skip
        rng = self.rng
        gender = gender or rng.choice(("male", "female"))
        born = born or date(1930, 1, 1) + timedelta(days=rng.randrange(75 * 365))
        home = home or self.address(language)
        person = Person(self.next_pid, first or self.names.pick(rng, language, gender),
                        last or self.names.pick(rng, language, "last"), gender, born, **home)  # fmt: skip
        self.next_pid += 1
        return person

    def household(self) -> list[Person]:
        """One to six people at one address, a census's household sizes; families share the surname."""
        rng, language = self.rng, self.language()
        size = rng.choices((1, 2, 3, 4, 5, 6), (35, 33, 13, 12, 5, 2))[0]
        head = self.person(language, born=date(1935, 1, 1) + timedelta(days=rng.randrange(50 * 365)))
        members, home = [head], {name: getattr(head, name) for name in ("street", "house_number", "postcode", "city")}
        if size >= 2:
            partner_gender = "female" if head.gender == "male" else "male"
            last = head.last_name if rng.random() < 0.8 else ""
            near = head.birth + timedelta(days=rng.randint(-2500, 2500))
            members.append(self.person(language, gender=partner_gender, last=last, born=near, home=home))
        born = head.birth + timedelta(days=rng.randint(21, 36) * 365)
        for number in range(size - len(members)):
            if number and rng.random() >= 0.03:  # twins in 3 of 100 births
                born += timedelta(days=rng.randint(450, 1800))
            if born > CENSUS:
                break
            gender = rng.choice(("male", "female"))
            first = head.first_name if gender == head.gender and rng.random() < 0.1 else ""
            taken = {member.first_name for member in members}
            child = self.person(language, gender=gender, last=head.last_name, first=first, born=born, home=home)
            while child.first_name in taken and not first:
                child = replace(child, first_name=self.names.pick(rng, language, gender))
            members.append(child)
        return members


def _record(person: Person, source: str) -> dict[str, str]:
    record = dict.fromkeys(FIELDS, "")
    record.update(source=source, first_name=person.first_name, last_name=person.last_name,
                  birth_date=person.birth.isoformat(), street=person.street, house_number=person.house_number,
                  postcode=person.postcode, city=person.city)  # fmt: skip
    return record


# Corrupting records as FEBRL does: one to three modifications per record, at most two per field.


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 2:
        return text
    i = rng.randrange(1, len(text)) if len(text) > 2 else 1
    kind = rng.randrange(4)
    if kind == 0:  # a keyboard neighbour
        lower = text[i].lower()
        return text[:i] + rng.choice(KEYBOARD.get(lower, "e")) + text[i + 1 :]
    if kind == 1:  # dropped
        return text[:i] + text[i + 1 :]
    if kind == 2:  # inserted
        return text[:i] + rng.choice("aeinrst") + text[i:]
    if i + 1 < len(text):  # swapped with the next
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:-1]


def _swap_in(rng: random.Random, text: str, table: tuple[tuple[str, str], ...]) -> str:
    options = [(old, new) for old, new in table if old in text.lower()]
    if not options:
        return _typo(rng, text)
    old, new = rng.choice(options)
    at = text.lower().index(old)
    return text[:at] + new + text[at + len(old) :]


def _text(rng: random.Random, record: dict[str, str], field: str) -> None:
    value = record[field]
    if not value:
        return
    kind = rng.choices(("typo", "ocr", "phonetic", "space", "nickname"), (60, 12, 18, 5, 5))[0]
    if kind == "nickname" and field == "first_name" and value in NICKNAMES:
        record[field] = rng.choice(NICKNAMES[value])
    elif kind == "ocr":
        record[field] = _swap_in(rng, value, OCR)
    elif kind == "phonetic":
        record[field] = _swap_in(rng, value, PHONETIC)
    elif kind == "space" and len(value) > 4:
        at = rng.randrange(2, len(value) - 1)
        record[field] = value[:at] + " " + value[at:]
    else:
        record[field] = _typo(rng, value)


def _digits(rng: random.Random, record: dict[str, str], field: str) -> None:
    """A wrong digit, or two neighbouring digits swapped."""
    value = record[field]
    spots = [i for i, ch in enumerate(value) if ch.isdigit()]
    if not spots:
        return
    i = rng.choice(spots)
    if rng.random() < 0.3 and i + 1 in spots and value[i] != value[i + 1]:
        record[field] = value[:i] + value[i + 1] + value[i] + value[i + 2 :]
    else:
        record[field] = value[:i] + rng.choice([d for d in "0123456789" if d != value[i]]) + value[i + 1 :]


def _birth_date(rng: random.Random, record: dict[str, str], field: str) -> None:
    """A digit off, two digits swapped, day and month swapped, or a date that cannot be (31 February, 1696)."""
    value = record[field]
    if not value:
        return
    year, month, day = value.split("-")
    kind = rng.choices(("digit", "swap", "impossible"), (70, 18, 12))[0]
    if kind == "swap" and int(day) <= 12 and day != month:
        record[field] = f"{year}-{day}-{month}"
    elif kind == "impossible":
        record[field] = rng.choice((f"{year}-02-{rng.randint(30, 31)}", f"{year}-{rng.randint(13, 19)}-{day}",
                                    f"{rng.choice(('16', '20', '26'))}{year[2:]}-{month}-{day}"))  # fmt: skip
    else:
        _digits(rng, record, field)


def _missing(rng: random.Random, record: dict[str, str], field: str) -> None:
    record[field] = ""


def _swap_names(rng: random.Random, record: dict[str, str], field: str) -> None:
    record["first_name"], record["last_name"] = record["last_name"], record["first_name"]


Modification = Callable[[random.Random, dict[str, str], str], None]
# (field, what happens to it, weight): names and the birth date are the commonest errors.
MODIFICATIONS: tuple[tuple[str, Modification, int], ...] = (
    ("first_name", _text, 20), ("last_name", _text, 20), ("birth_date", _birth_date, 14),
    ("street", _text, 10), ("city", _text, 8), ("postcode", _digits, 6), ("house_number", _digits, 4),
    ("first_name", _missing, 3), ("birth_date", _missing, 4), ("street", _missing, 4), ("city", _missing, 2),
    ("postcode", _missing, 2), ("house_number", _missing, 3), ("first_name", _swap_names, 2),
)  # fmt: skip


def corrupt(rng: random.Random, record: dict[str, str], at_most: int = 3) -> dict[str, str]:
    """A copy of ``record`` with one to ``at_most`` modifications, at most two in one field."""
    record = dict(record)
    per_field: dict[str, int] = {}
    for _ in range(rng.randint(1, at_most)):
        field, modify, _ = rng.choices(MODIFICATIONS, [weight for *_, weight in MODIFICATIONS])[0]
        if per_field.get(field, 0) < 2:
            modify(rng, record, field)
            per_field[field] = per_field.get(field, 0) + 1
    return record


# The three shapes.


def _linkage(rng: random.Random, n_records: int) -> list[tuple[int, dict[str, str]]]:
    people = _People(rng)
    rows = []
    for _ in range(n_records // 2):
        person = people.person(people.language())
        rows.append((person.pid, _record(person, "file1")))
        rows.append((person.pid, corrupt(rng, _record(person, "file2"))))
    return rows


def _dedupe(rng: random.Random, n_records: int) -> list[tuple[int, dict[str, str]]]:
    people = _People(rng)
    rows: list[tuple[int, dict[str, str]]] = []
    while len(rows) < n_records:
        person = people.person(people.language())
        original = _record(person, "file")
        rows.append((person.pid, original))
        if rng.random() < 0.5:  # FEBRL 3: 2,000 of 5,000 originals, the duplicates falling off with their number
            copies = rng.choices(range(1, 10), (40, 20, 12, 8, 6, 5, 4, 3, 2))[0]
            rows += [(person.pid, corrupt(rng, original)) for _ in range(copies)]
    return rows


def _households(rng: random.Random, n_records: int) -> list[tuple[int, dict[str, str]]]:
    """Each household counted in the first census; in the second, ten years on, 8 % have died, 12 % of the
    households have moved, some women have married, and a child or two has been born."""
    people = _People(rng)
    rows: list[tuple[int, dict[str, str]]] = []
    while len(rows) < n_records:
        members = people.household()
        moved = people.address("de") if rng.random() < 0.12 else None
        for person in members:
            first = _record(person, "census1")
            rows.append((person.pid, corrupt(rng, first, 2) if rng.random() < 0.4 else first))
            if rng.random() < 0.08:
                continue
            later = replace(person, **moved) if moved else person
            if later.gender == "female" and rng.random() < 0.03:
                later = replace(later, last_name=people.names.pick(rng, "de", "last"))
            second = _record(later, "census2")
            rows.append((person.pid, corrupt(rng, second, 2) if rng.random() < 0.5 else second))
        if rng.random() < 0.05 and len(members) >= 2:
            head = members[0]
            baby = people.person("de", last=head.last_name, born=date(2016, 1, 1) + timedelta(days=rng.randrange(1500)),
                                 home={"street": head.street, "house_number": head.house_number,
                                       "postcode": head.postcode, "city": head.city})  # fmt: skip
            rows.append((baby.pid, _record(baby, "census2")))
    return rows


BUILDERS = {"linkage": _linkage, "dedupe": _dedupe, "households": _households}


def generate(shape: str, n_records: int, seed: int = 1) -> tuple[list[dict], list[int]]:
    """``n_records`` records of ``shape`` in random order and each one's person (parallel lists)."""
    if shape not in BUILDERS:
        raise ValueError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
    rng = random.Random(f"{shape}:{seed}")
    rows = BUILDERS[shape](rng, n_records)[:n_records]
    rng.shuffle(rows)
    counters: dict[str, int] = {}
    for _, record in rows:
        counters[record["source"]] = counters.get(record["source"], 0) + 1
        record["record_id"] = f"{record['source']}-{counters[record['source']]:07d}"
    return [record for _, record in rows], [pid for pid, _ in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", choices=SHAPES, default="dedupe")
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    records, truth = generate(args.shape, args.records, args.seed)
    print(f"{args.shape}: {len(records):,} records in {time.perf_counter() - started:.1f} s")
    for name, value in describe(records, truth).items():
        print(f"  {name:<20}{value:>12,.3f}" if isinstance(value, float) else f"  {name:<20}{value:>12,}")
    for record in records[:5]:
        print("  ", {key: value for key, value in record.items() if value})


if __name__ == "__main__":
    main()

"""What each source holds about the people: variations of the truth, with the flaws real exports have.

Typos, nicknames, umlaut spellings, old addresses and maiden names in older sources, missing fields,
varied phone formats and duplicates; each row keeps the index of the person behind it.
"""

from __future__ import annotations

from datetime import date, timedelta

from demo.exports import Row
from demo.people import Inventor, Person, Phone
from demo.spelling import cp1252_spelling, email_case, german_date, typo, umlaut_spelling
from demo.words import COUNTRY_NAMES, NICKNAMES, SOCIAL_NETWORKS, TIMELINE_END, TIMELINE_START


class Sources:
    """Builds each source's rows from the people, with the flaws real data has."""

    def __init__(self, inventor: Inventor, persons: list[Person]) -> None:
        self.inventor, self.rng, self.persons = inventor, inventor.rng, persons
        self.accounts: list[tuple[str, Person, date, date]] = []  # (customer number, person, since, until)

    def members(self, source: str) -> list[Person]:
        return [person for person in self.persons if source in person.sources]

    def first_name(self, person: Person, nickname: float, typos: float) -> str:
        name = person.first_name
        if person.first_name in NICKNAMES and self.inventor.chance(nickname):
            name = self.rng.choice(NICKNAMES[person.first_name])
        return typo(self.rng, name) if self.inventor.chance(typos) else name

    def last_name(self, person: Person, *, old: bool, typos: float, ascii_spelling: float) -> str:
        name = person.maiden_name if old and person.maiden_name else person.last_name
        if self.inventor.chance(ascii_spelling):
            name = umlaut_spelling(name)
        return typo(self.rng, name) if self.inventor.chance(typos) else name

    def email(self, person: Person, *, old: bool, case: float, typos: float = 0.0) -> str:
        address = person.old_email if old and person.old_email else person.email
        if self.inventor.chance(typos):
            local, domain = address.split("@")
            address = f"{typo(self.rng, local)}@{domain}"
        return email_case(self.rng, address) if self.inventor.chance(case) else address

    def phone(self, person: Person, present: float) -> str:
        numbers = [number for number in (person.mobile, person.landline) if number]
        if not numbers or not self.inventor.chance(present):
            return ""
        return self.phone_text(self.rng.choice(numbers))

    def phone_text(self, phone: Phone) -> str:
        """The number in one of the ways people type it; national forms only for the import region."""
        c, a, s = phone.country, phone.area, phone.subscriber
        if c == "1":
            forms = [f"+1 ({a}) {s[:3]}-{s[3:]}", f"+1 {a}-{s[:3]}-{s[3:]}", f"001 {a} {s[:3]} {s[3:]}"]
            national = [f"({a}) {s[:3]}-{s[3:]}", f"{a}-{s[:3]}-{s[3:]}"]
        else:
            forms = [f"+{c} {a} {s}", f"00{c}-{a}-{s}", f"00{c} {a} {s}", f"+{c}{a}{s}", f"+{c} (0){a} {s}"]
            national = [f"0{a} {s}", f"0{a}/{s}", f"0{a}-{s}", f"(0{a}) {s}", f"0{a}{s}"]
        if c == self.inventor.home_calling_code:
            forms += national * 2
        return self.rng.choice(forms)

    def maybe(self, probability: float, value: str) -> str:
        return value if self.inventor.chance(probability) else ""

    # Web shop: current and, for some, an older second account.

    def webshop(self) -> list[Row]:
        accounts: list[tuple[date, Person, bool]] = []
        for person in self.members("webshop"):
            moved = bool(person.old_address or person.old_email or person.maiden_name)
            if (moved and self.inventor.chance(0.5)) or self.inventor.chance(0.03):
                accounts.append((self.inventor.day_between(TIMELINE_START, date(2021, 6, 30)), person, True))
                accounts.append((self.inventor.day_between(date(2022, 1, 1), date(2026, 6, 30)), person, False))
            else:
                accounts.append((self.inventor.day_between(TIMELINE_START, date(2026, 6, 30)), person, False))
        accounts.sort(key=lambda account: (account[0], account[1].key))
        rows = []
        for number, (since, person, old) in enumerate(accounts, start=10001):
            until = since + timedelta(days=540) if old else TIMELINE_END
            self.accounts.append((str(number), person, since, until))
            rows.append(Row(person.key, self.webshop_values(str(number), person, since, old)))
        return rows

    def webshop_values(self, number: str, person: Person, since: date, old: bool) -> dict[str, str]:
        address = person.old_address if old and person.old_address else person.address
        salutation = {"male": "Herr", "female": "Frau"}.get(person.gender) or self.rng.choice(("", "Divers"))
        return {
            "Kundennummer": number,
            "Kunden-Nr": number,
            "Anrede": salutation,
            "Titel": person.title,
            "Vorname": self.first_name(person, nickname=0.08, typos=0.02),
            "Nachname": self.last_name(person, old=old, typos=0.02, ascii_spelling=0.05),
            "E-Mail": self.email(person, old=old, case=0.1),
            "Telefon": self.phone(person, present=0.7),
            "Straße": address.street,
            "Hausnummer": address.house_number,
            "PLZ": address.postcode,
            "Ort": address.city,
            "Land": self.rng.choice(COUNTRY_NAMES[address.country]),
            "Geburtsdatum": self.maybe(0.6, german_date(person.birth_date)),
            "Kunde seit": german_date(since),
        }

    # Newsletter: an old list, Windows-1252; a few signed up twice.

    def newsletter(self) -> list[Row]:
        rows = []
        for person in self.members("newsletter"):
            rows.append(Row(person.key, self.newsletter_values(person, old=True)))
            if self.inventor.chance(0.04):
                rows.append(Row(person.key, self.newsletter_values(person, old=False)))
        return rows

    def newsletter_values(self, person: Person, old: bool) -> dict[str, str]:
        language = {"de": ("Deutsch", "de", "DE"), "en": ("Englisch", "en", "EN")}[person.language]
        salutation = {"male": "Herr", "female": "Frau"}.get(person.gender, "")
        values = {
            "E-Mail": self.email(person, old=old, case=0.15),
            "Vorname": self.maybe(0.9, self.first_name(person, nickname=0.25, typos=0.02)),
            "Nachname": self.maybe(0.75, self.last_name(person, old=old, typos=0.02, ascii_spelling=0.05)),
            "Sprache": self.maybe(0.85, self.rng.choice(language)),
            "Anrede": self.maybe(0.8, salutation),
            "Ansprache": self.maybe(0.8, person.address_form),
            "Angemeldet am": german_date(self.inventor.day_between(TIMELINE_START, TIMELINE_END)),
        }
        return {column: cp1252_spelling(value) for column, value in values.items()}

    # XING contacts as vCard 3.0: older, so maiden names and old addresses.

    def xing(self) -> list[Row]:
        return [Row(person.key, self.xing_card(person)) for person in self.members("xing")]

    def xing_card(self, person: Person) -> dict[str, str]:
        first = self.first_name(person, nickname=0.15, typos=0.01)
        last = self.last_name(person, old=True, typos=0.01, ascii_spelling=0.0)
        card = {
            "UID": "xing-" + self.inventor.unique("xing-uid", lambda _: self.inventor.digits(8)),
            "N": ";".join(_vcard_escape(part) for part in (last, first, "", person.title, "")),
            "FN": _vcard_escape(" ".join(part for part in (person.title, first, last) if part)),
            "EMAIL;TYPE=INTERNET": self.maybe(0.75, self.email(person, old=True, case=0.1)),
            "TEL;TYPE=CELL": self.maybe(0.4, self.phone_text(person.mobile) if person.mobile else ""),
            "ORG": _vcard_escape(person.company),
            "TITLE": _vcard_escape(person.job_title),
            "X-SOCIALPROFILE;TYPE=xing": f"https://www.xing.com/profile/{person.handles['xing']}",
        }
        if self.inventor.chance(0.3):
            address = person.old_address or person.address
            parts = ("", "", f"{address.street} {address.house_number}", address.city, "", address.postcode,
                     COUNTRY_NAMES[address.country][0])  # fmt: skip
            card["ADR;TYPE=HOME"] = ";".join(_vcard_escape(part) for part in parts)
        if self.inventor.chance(0.2):
            card["BDAY"] = person.birth_date.isoformat()
        return {name: value for name, value in card.items() if value}

    # LinkedIn's Connections.csv: e-mail only where the contact allows it.

    def linkedin(self) -> list[Row]:
        rows = []
        for person in self.members("linkedin"):
            connected = self.inventor.day_between(TIMELINE_START, TIMELINE_END)
            values = {
                "First Name": self.first_name(person, nickname=0.3, typos=0.01),
                "Last Name": self.last_name(person, old=False, typos=0.01, ascii_spelling=0.3),
                "URL": f"https://www.linkedin.com/in/{person.handles['linkedin']}",
                "Email Address": self.maybe(0.25, self.email(person, old=False, case=0.05)),
                "Company": person.company,
                "Position": person.job_title,
                "Connected On": connected.strftime("%d ") + _MONTHS[connected.month - 1] + connected.strftime(" %Y"),
            }
            rows.append(Row(person.key, values))
        return rows

    # Social followers: a record per network, often only a display name or a handle.

    def social(self) -> list[Row]:
        rows = []
        for person in self.members("social"):
            for network in SOCIAL_NETWORKS:
                if network in person.handles:
                    rows.append(Row(person.key, self.follower(person, network)))
        return rows

    def follower(self, person: Person, network: str) -> dict[str, str]:
        handle = person.handles[network]
        shown = self.rng.choice((handle, handle, "@" + handle, _profile_url(network, handle)))
        values = {"id": f"{network}:{handle}", "network": network, network: shown}
        first = self.first_name(person, nickname=0.35, typos=0.02)
        last = self.last_name(person, old=False, typos=0.02, ascii_spelling=0.15)
        style = self.weighted_style()
        if style == "full":
            values |= {"first_name": first, "last_name": last, "display_name": f"{first} {last}"}
        elif style == "initial":
            values |= {"first_name": first, "last_name": last[0] + ".", "display_name": f"{first} {last[0]}."}
        elif style == "first":
            values |= {"first_name": first, "display_name": first}
        else:
            values["display_name"] = handle
        values["followed_at"] = self.inventor.day_between(TIMELINE_START, TIMELINE_END).isoformat()
        return values

    def weighted_style(self) -> str:
        return self.inventor.weighted({"full": 45, "initial": 15, "first": 12, "handle": 28})

    # Support desk contacts: typed in by hand, so more typos; a few wrote from two addresses.

    def support(self) -> list[Row]:
        rows = []
        for person in self.members("support"):
            rows.append(Row(person.key, self.support_values(person, old=False)))
            if self.inventor.chance(0.05):
                rows.append(Row(person.key, self.support_values(person, old=True)))
        return rows

    def support_values(self, person: Person, old: bool) -> dict[str, str]:
        return {
            "Ticket contact id": self.inventor.unique("ticket-contact", lambda _: "36" + self.inventor.digits(9)),
            "First name": self.first_name(person, nickname=0.15, typos=0.05),
            "Last name": self.maybe(0.9, self.last_name(person, old=False, typos=0.05, ascii_spelling=0.3)),
            "Email": self.email(person, old=old, case=0.2, typos=0.02),
            "Phone": self.phone(person, present=0.5),
        }


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _profile_url(network: str, handle: str) -> str:
    host = {"x": "x.com", "instagram": "www.instagram.com", "facebook": "www.facebook.com"}[network]
    return f"https://{host}/{handle}"


def _vcard_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")

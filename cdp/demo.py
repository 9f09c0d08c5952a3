"""A demo store: invented people, imported from the files real sources export.

``generate`` invents people with Faker (deterministic for a seed) and derives
the rows each source would hold about them, with the flaws real exports have:
typos, nicknames, umlaut spellings, old addresses and maiden names in older
sources, missing fields, varied phone formats, duplicates and households.
Every row keeps the index of the person behind it, so tests can compare what
identity resolution finds with the truth. ``build_demo`` turns each source
into the bytes of its usual file format, in memory, and imports them through
``import_data`` like any upload; nothing is ever written to disk.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

import phonenumbers
from faker import Faker

from cdp.ingest import AfterImport, ImportResult, import_data
from cdp.store import Store

T = TypeVar("T")

# Dates are fixed rather than relative to today, so a seed always gives the same data.
TIMELINE_START = date(2019, 1, 1)
TIMELINE_END = date(2026, 9, 30)

LOCALES = {"de_DE": 70, "en_GB": 15, "en_US": 15}
CONTACT_SOURCES = ("webshop", "newsletter", "xing", "linkedin", "social", "support")
SOURCE_WEIGHTS = {"webshop": 50, "newsletter": 38, "xing": 10, "linkedin": 14, "social": 25, "support": 18}
SOURCE_COUNTS = {1: 48, 2: 30, 3: 16, 4: 6}
SOCIAL_NETWORKS = ("instagram", "x", "facebook")
HOUSEHOLD_START = 0.042  # chance that the next person founds a household; ~10 % of people live in one
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
SHOP = "Teekontor Lindenhof"
SHOP_HANDLE = "@teekontor"

NICKNAMES: dict[str, tuple[str, ...]] = {
    "Maximilian": ("Max", "Maxi"), "Johannes": ("Hans", "Jo"), "Alexander": ("Alex",), "Christian": ("Chris",),
    "Andreas": ("Andi",), "Michael": ("Micha", "Mike"), "Thomas": ("Tom", "Tommy"), "Sebastian": ("Basti",),
    "Tobias": ("Tobi",), "Florian": ("Flo",), "Matthias": ("Matze",), "Friedrich": ("Fritz",),
    "Ulrich": ("Uli",), "Benjamin": ("Ben", "Benni"), "Daniel": ("Dani", "Dan"), "Josef": ("Sepp",),
    "Katharina": ("Kathi", "Katja"), "Elisabeth": ("Lisa", "Elli", "Liesel"), "Stefanie": ("Steffi",),
    "Franziska": ("Franzi",), "Susanne": ("Susi",), "Gabriele": ("Gabi",), "Christina": ("Tina",),
    "Alexandra": ("Alex", "Sandra"), "Johanna": ("Hanna",), "Theresa": ("Resi",), "Veronika": ("Vroni",),
    "Barbara": ("Babsi",), "Magdalena": ("Lena", "Leni"), "Margarete": ("Grete",),
    "William": ("Bill", "Will"), "Robert": ("Bob", "Rob"), "Richard": ("Rick", "Rich"), "James": ("Jim", "Jamie"),
    "Edward": ("Ed", "Ted"), "Nicholas": ("Nick",), "Joseph": ("Joe",), "Anthony": ("Tony",),
    "Jonathan": ("Jon",), "Samuel": ("Sam",), "Christopher": ("Chris",), "Elizabeth": ("Liz", "Beth"),
    "Margaret": ("Maggie", "Peggy"), "Katherine": ("Kate", "Katie"), "Jennifer": ("Jen", "Jenny"),
    "Patricia": ("Pat", "Trish"), "Victoria": ("Vicky",), "Rebecca": ("Becky",), "Susan": ("Sue",),
    "Samantha": ("Sam",),
}  # fmt: skip
# Names with nicknames, by locale and gender, mixed into Faker's so nicknames come up often enough.
FORMAL_NAMES = {
    ("de", "male"): ("Maximilian", "Johannes", "Alexander", "Christian", "Andreas", "Michael", "Thomas",
                     "Sebastian", "Tobias", "Florian", "Matthias", "Friedrich", "Ulrich", "Benjamin", "Josef"),
    ("de", "female"): ("Katharina", "Elisabeth", "Stefanie", "Franziska", "Susanne", "Gabriele", "Christina",
                       "Alexandra", "Johanna", "Theresa", "Veronika", "Barbara", "Magdalena", "Margarete"),
    ("en", "male"): ("William", "Robert", "Richard", "James", "Edward", "Nicholas", "Joseph", "Anthony",
                     "Jonathan", "Samuel", "Christopher", "Thomas", "Michael", "Daniel"),
    ("en", "female"): ("Elizabeth", "Margaret", "Katherine", "Jennifer", "Patricia", "Victoria", "Rebecca",
                       "Susan", "Samantha", "Alexandra"),
}  # fmt: skip

# (city, first two postcode digits, area code)
GERMAN_CITIES = (
    ("Berlin", "10", "30"), ("Berlin", "12", "30"), ("Berlin", "13", "30"), ("Hamburg", "20", "40"),
    ("Hamburg", "22", "40"), ("München", "80", "89"), ("München", "81", "89"), ("Köln", "50", "221"),
    ("Frankfurt am Main", "60", "69"), ("Stuttgart", "70", "711"), ("Düsseldorf", "40", "211"),
    ("Leipzig", "04", "341"), ("Dortmund", "44", "231"), ("Essen", "45", "201"), ("Bremen", "28", "421"),
    ("Dresden", "01", "351"), ("Hannover", "30", "511"), ("Nürnberg", "90", "911"), ("Bochum", "44", "234"),
    ("Bielefeld", "33", "521"), ("Bonn", "53", "228"), ("Münster", "48", "251"), ("Mannheim", "68", "621"),
    ("Karlsruhe", "76", "721"), ("Augsburg", "86", "821"), ("Wiesbaden", "65", "611"),
    ("Freiburg im Breisgau", "79", "761"), ("Kiel", "24", "431"), ("Lübeck", "23", "451"),
    ("Regensburg", "93", "941"), ("Heidelberg", "69", "6221"), ("Göttingen", "37", "551"),
    ("Würzburg", "97", "931"), ("Erlangen", "91", "9131"), ("Tübingen", "72", "7071"),
    ("Lüneburg", "21", "4131"), ("Görlitz", "02", "3581"), ("Potsdam", "14", "331"), ("Rostock", "18", "381"),
)  # fmt: skip
GERMAN_STREETS = (
    "Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße", "Bergstraße", "Birkenweg",
    "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Schillerstraße", "Goethestraße", "Mühlenweg",
    "Am Sportplatz", "Jahnstraße", "Wiesenweg", "Rosenstraße", "Friedrich-Ebert-Straße", "Beethovenstraße",
    "Feldstraße", "Am Markt", "Kastanienallee", "Uhlandstraße", "Talstraße", "Buchenweg", "Lessingstraße",
    "Poststraße", "Parkstraße", "Wilhelmstraße", "Blumenstraße", "Tulpenweg", "Kölner Straße", "Grüner Weg",
    "Mozartstraße", "Im Winkel", "Fliederweg", "Schloßstraße", "Am Bach", "Düsseldorfer Straße",
)  # fmt: skip
# (city, postcode area, area code)
UK_CITIES = (
    ("London", "SW", "20"), ("London", "N", "20"), ("London", "E", "20"), ("Manchester", "M", "161"),
    ("Birmingham", "B", "121"), ("Leeds", "LS", "113"), ("Bristol", "BS", "117"), ("Edinburgh", "EH", "131"),
    ("Glasgow", "G", "141"), ("Liverpool", "L", "151"), ("Oxford", "OX", "1865"), ("Cambridge", "CB", "1223"),
    ("Brighton", "BN", "1273"), ("York", "YO", "1904"), ("Cardiff", "CF", "29"),
)  # fmt: skip
UK_STREETS = (
    "High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue", "Mill Lane", "Queen's Road",
    "Kings Road", "The Crescent", "Manor Road", "Green Lane", "Albert Street", "York Road", "Chapel Street",
)  # fmt: skip
# (city, first three ZIP digits, area code)
US_CITIES = (
    ("New York", "100", "212"), ("Brooklyn", "112", "718"), ("Boston", "021", "617"), ("Chicago", "606", "312"),
    ("San Francisco", "941", "415"), ("Seattle", "981", "206"), ("Austin", "787", "512"),
    ("Portland", "972", "503"), ("Denver", "802", "303"), ("Philadelphia", "191", "215"),
)  # fmt: skip
US_STREETS = (
    "Main Street", "Oak Street", "Maple Avenue", "Pine Street", "Cedar Lane", "Elm Street", "Washington Street",
    "Lake Drive", "Park Place", "Hillside Avenue", "2nd Street", "Sunset Boulevard",
)  # fmt: skip
COUNTRY_NAMES = {
    "DE": ("Deutschland", "Deutschland", "Deutschland", "DE"),
    "GB": ("Vereinigtes Königreich", "Großbritannien", "GB"),
    "US": ("USA", "Vereinigte Staaten", "US"),
}
GERMAN_MOBILE_PREFIXES = ("151", "152", "157", "160", "162", "163", "170", "171", "172", "173", "174", "175",
                          "176", "177", "178", "179")  # fmt: skip

# (name, price in cents, kind): in messages tea and coffee are a "product", kitchenware an "item".
PRODUCTS = (
    ("Darjeeling First Flush Bio, 100 g", 1290, "tea"), ("Assam Second Flush, 250 g", 950, "tea"),
    ("Sencha Kagoshima, 100 g", 1150, "tea"), ("Gyokuro Asahi, 50 g", 1890, "tea"),
    ("Earl Grey Premium, 100 g", 690, "tea"), ("Rooibos Vanille, 200 g", 750, "tea"),
    ("Pfefferminze Bio, 100 g", 490, "tea"), ("Kräutertee Abendruhe, 100 g", 590, "tea"),
    ("Ostfriesen Broken, 500 g", 1190, "tea"), ("Matcha Zeremonie-Qualität, 30 g", 2490, "tea"),
    ("Chai Masala, 150 g", 850, "tea"), ("Jasmin Silberspitzen, 50 g", 1490, "tea"),
    ("Oolong Milky, 100 g", 1350, "tea"), ("Weihnachtstee Bratapfel, 150 g", 650, "tea"),
    ("Espresso Milano, 1 kg Bohnen", 2490, "coffee"), ("Café Crema Hausmischung, 500 g", 1290, "coffee"),
    ("Äthiopien Yirgacheffe Filterkaffee, 250 g", 1090, "coffee"), ("Kolumbien Supremo, 500 g", 1450, "coffee"),
    ("Entkoffeinierter Espresso, 250 g", 990, "coffee"),
    ("Teekanne Glas mit Stövchen, 1,2 l", 3490, "item"), ("Gusseisen-Teekanne Tetsubin, 0,8 l", 4990, "item"),
    ("Teesieb Edelstahl", 490, "item"), ("Teefilter ungebleicht, 100 Stück", 350, "item"),
    ("French Press, 1 l", 2990, "item"), ("Handmühle mit Keramikmahlwerk", 3990, "item"),
    ("Milchaufschäumer", 1990, "item"), ("Matcha-Besen Chasen", 1690, "item"), ("Teedose Washi, 100 g", 1250, "item"),
    ("Espressokocher, 6 Tassen", 2790, "item"), ("Becher Steinzeug, 350 ml", 990, "item"),
    ("Kandis braun, 500 g", 390, "item"), ("Wasserkocher mit Temperaturwahl", 5990, "item"),
)  # fmt: skip
SHIPPING_CENTS, FREE_SHIPPING_FROM = 490, 3900


@dataclass(frozen=True)
class Template:
    """A message a contact might write; ``form`` is du, Sie or "" (English)."""

    kind: str  # post or ticket
    language: str
    form: str
    subject: str
    text: str

    @property
    def needs_order(self) -> bool:
        return "{order}" in self.subject + self.text


def _post(language: str, form: str, text: str) -> Template:
    return Template("post", language, form, "", text)


def _ticket(language: str, form: str, subject: str, text: str) -> Template:
    return Template("ticket", language, form, subject, text)


TEMPLATES = (
    _post("de", "du", "Hey, euer {product} ist super, ich bestelle wieder!"),
    _post("de", "du", "Paket von {shop} ausgepackt und {product} riecht einfach unglaublich. Danke euch! 🍵"),
    _post("de", "du", "Mein Sonntag: Buch, Decke und {product} von {handle}. Mehr brauch ich nicht."),
    _post("de", "du", "Habt ihr {product} bald wieder auf Lager? Mein Vorrat ist leer 😅"),
    _post("de", "du", "Danke für die schnelle Lieferung, nach {quick} Tagen war alles da 👍"),
    _post("de", "du", "Wie lange soll ich {tea} ziehen lassen? Schmeckt mir bisher etwas bitter."),
    _post("de", "du", "Schade, {product} schmeckt diesmal ganz anders als sonst. Habt ihr die Mischung geändert?"),
    _post("de", "du", "Warte jetzt schon {days} Tage auf mein Paket 😕 Was ist da los bei euch, {handle}?"),
    _post("de", "du", "Meine {item} kam mit einem Sprung an. Ärgerlich, ich hatte mich so gefreut."),
    _post("de", "du", "Euer Kundenservice antwortet seit {days} Tagen nicht. Nicht cool, Leute."),
    _post("de", "Sie", "Seit Jahren kaufe ich bei {shop} und bin stets zufrieden. {product} kann ich empfehlen."),
    _post("de", "Sie", "Leider ist meine Bestellung nach {days} Tagen immer noch nicht da. Ich bitte um Rückmeldung."),
    _post("de", "Sie", "Sehr gute Qualität und freundliche Beratung bei {shop}. Gerne wieder."),
    _post("en", "", "Just tried {product} from {handle} and wow, what a cup! Ordering more."),
    _post("en", "", "Best tea shop in Germany, hands down. {product} is my new favourite."),
    _post("en", "", "Parcel arrived in {quick} days, beautifully packed. Thank you {handle}!"),
    _post("en", "", "Anyone else obsessed with {product}? Third order this year 😄"),
    _post("en", "", "Ordered {product} {days} days ago and still nothing. Not impressed."),
    _post("en", "", "My {item} arrived broken. Disappointing packaging, {handle}."),
    _post("en", "", "The latest batch of {product} tastes stale. Did something change?"),
    _ticket("de", "Sie", "Bestellung {order} noch nicht angekommen",
            "Sehr geehrte Damen und Herren,\n\nleider ist meine Bestellung {order} nach {days} Tagen immer noch "
            "nicht bei mir angekommen. Können Sie mir bitte mitteilen, wo das Paket ist?\n\n"
            "Mit freundlichen Grüßen\n{name}"),
    _ticket("de", "Sie", "Beschädigte Lieferung {order}",
            "Sehr geehrte Damen und Herren,\n\nleider ist die {item} aus meiner Bestellung {order} zerbrochen "
            "angekommen. Ich bitte um Ersatz oder Erstattung.\n\nMit freundlichen Grüßen\n{name}"),
    _ticket("de", "Sie", "Falscher Artikel geliefert",
            "Guten Tag,\n\nstatt {product} habe ich {product2} erhalten. Bitte senden Sie mir den richtigen "
            "Artikel und teilen Sie mir mit, wie ich die Fehllieferung zurückschicken kann.\n\n"
            "Freundliche Grüße\n{name}"),
    _ticket("de", "Sie", "Erstattung zu Bestellung {order}",
            "Sehr geehrte Damen und Herren,\n\nich habe {product} vor {days} Tagen zurückgeschickt, die Erstattung "
            "ist aber noch nicht eingegangen. Bitte prüfen Sie das.\n\nMit freundlichen Grüßen\n{name}"),
    _ticket("de", "Sie", "Doppelte Abbuchung",
            "Sehr geehrte Damen und Herren,\n\nfür meine Bestellung {order} wurde der Betrag zweimal abgebucht. "
            "Ich bitte um umgehende Korrektur.\n\nMit freundlichen Grüßen\n{name}"),
    _ticket("de", "Sie", "Qualität {product}",
            "Guten Tag,\n\ndie zuletzt gelieferte Packung {product} schmeckt muffig. Ist die Ware überlagert? "
            "Ich wäre für eine Erklärung dankbar.\n\nFreundliche Grüße\n{name}"),
    _ticket("de", "Sie", "Ein Lob",
            "Sehr geehrte Damen und Herren,\n\nich möchte mich für die freundliche Beratung bedanken. {product} "
            "ist hervorragend.\n\nMit freundlichen Grüßen\n{name}"),
    _ticket("de", "Sie", "Frage zur Zubereitung",
            "Guten Tag,\n\nkönnen Sie mir sagen, bei welcher Temperatur ich {tea} aufgießen sollte?\n\n"
            "Vielen Dank und freundliche Grüße\n{name}"),
    _ticket("de", "Sie", "Neue Lieferadresse",
            "Sehr geehrte Damen und Herren,\n\nich bin umgezogen. Bitte ändern Sie meine Lieferadresse für "
            "künftige Bestellungen.\n\nMit freundlichen Grüßen\n{name}"),
    _ticket("de", "du", "Paket fehlt ({order})",
            "Hallo ihr Lieben,\n\nmein Paket {order} ist nach {days} Tagen immer noch nicht da. Könnt ihr mal "
            "nachschauen?\n\nLiebe Grüße\n{first}"),
    _ticket("de", "du", "Deckel kaputt",
            "Hey,\n\nbei meiner {item} war der Deckel kaputt. Könnt ihr mir einen neuen schicken?\n\nDanke euch!\n"
            "{first}"),
    _ticket("de", "du", "Danke!",
            "Hallo zusammen,\n\nwollte nur sagen: {product} ist der Hammer! Macht weiter so.\n\nViele Grüße\n{first}"),
    _ticket("de", "du", "Gutschein geht nicht",
            "Hi,\n\nmein Gutscheincode wird im Shop nicht angenommen. Könnt ihr helfen?\n\nLG {first}"),
    _ticket("en", "", "Order {order} not received",
            "Hello,\n\nmy order {order} still hasn't arrived after {days} days. Could you please look into it?\n\n"
            "Kind regards,\n{name}"),
    _ticket("en", "", "Damaged item",
            "Hi,\n\nthe {item} in my order {order} arrived cracked. I'd like a replacement, please.\n\n"
            "Thanks,\n{first}"),
    _ticket("en", "", "Shipping abroad",
            "Hello,\n\ndo you ship {product} to the UK, and will there be customs fees?\n\nBest,\n{name}"),
    _ticket("en", "", "Refund request",
            "Dear team,\n\nI returned {product} {days} days ago and haven't seen a refund yet. Please advise.\n\n"
            "Regards,\n{name}"),
    _ticket("en", "", "Thank you",
            "Hi there,\n\njust wanted to say thanks: {product} is lovely and the packaging was beautiful.\n\n"
            "Cheers,\n{first}"),
    _ticket("en", "", "Brewing question",
            "Hello,\n\nhow long should I steep {tea}? The instructions on the pack are only in German.\n\n"
            "Many thanks,\n{name}"),
    _ticket("en", "", "Wrong item",
            "Hi,\n\nI ordered {product} but received {product2} instead. How do I return it?\n\nThanks,\n{first}"),
)  # fmt: skip


# The ground truth.


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


@dataclass(frozen=True)
class Row:
    """One record in a file, with the person it was derived from."""

    person: int
    values: dict[str, str]


@dataclass
class DemoFile:
    """One export: how it is named, imported and encoded, and its rows."""

    name: str
    source: str
    kind: str
    rows: list[Row]
    columns: tuple[str, ...] = ()
    overrides: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8"


@dataclass
class Demo:
    persons: list[Person]
    files: list[DemoFile]

    def sources_of(self, person: int) -> set[str]:
        """The contact sources holding a record of ``person``."""
        return {
            file.source
            for file in self.files
            if file.kind == "contacts" and any(row.person == person for row in file.rows)
        }


@dataclass(frozen=True)
class Order:
    number: str
    account: str
    when: datetime
    lines: tuple[tuple[int, str], ...]  # (quantity, product)
    cents: int


# Small text helpers.

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def umlaut_spelling(name: str) -> str:
    """``Müller`` → ``Mueller``, ``Weiß`` → ``Weiss``: how ASCII-only systems spell names."""
    return name.translate(_UMLAUTS)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", umlaut_spelling(text))
    return "".join(ch for ch in decomposed if ch.isascii() and not unicodedata.combining(ch))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii(text).lower()) or "kunde"


def _cp1252(text: str) -> str:
    """``text`` with any character Windows-1252 lacks spelled in ASCII."""
    return "".join(ch if ch.encode("cp1252", "ignore") else _ascii(ch) for ch in text)


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


def _email_case(rng: random.Random, email: str) -> str:
    local, domain = email.split("@")
    return rng.choice(
        (
            ".".join(part.capitalize() for part in local.split(".")) + "@" + domain,
            email.upper(),
            local + "@" + domain.capitalize(),
        )
    )


def _german_date(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def _euro(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


# Inventing people.


class _Inventor:
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
        first, last = _slug(first), _slug(last)
        base = self.rng.choice(
            (f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}", f"{last}.{first}", f"{first}_{last}",
             f"{first}.{last}{born.year % 100:02d}", f"{first}{born.year}")
        )  # fmt: skip
        domain = self.rng.choice(EMAIL_DOMAINS)
        return self.unique("email", lambda n: f"{base}{n + 1 if n else ''}@{domain}")

    def handle(self, network: str, first: str, last: str) -> str:
        """A handle that fits the network's rules (lower case except XING profile names)."""
        f, s = _slug(first), _slug(last)
        if network == "xing":
            base = "_".join(re.sub(r"[^A-Za-z0-9-]", "", _ascii(part)) or "Kunde" for part in (first, last))
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


def invent_people(inventor: _Inventor, count: int) -> list[Person]:
    """``count`` people; about one in ten lives in a household with others."""
    persons: list[Person] = []
    while len(persons) < count:
        room = count - len(persons)
        if room >= 2 and inventor.chance(HOUSEHOLD_START):
            persons += _household(inventor, len(persons), min(room, inventor.rng.choice((2, 2, 3, 4))))
        else:
            persons.append(_single(inventor, len(persons)))
    return persons


def _single(inventor: _Inventor, key: int) -> Person:
    """Someone living alone (or with people who are not in any source); some have moved."""
    locale = inventor.weighted(LOCALES)
    address, landline = inventor.home(locale)
    gender = inventor.weighted({"female": 50, "male": 49, "neutral": 1})
    person = _person(inventor, key, locale, gender, inventor.born(18, 85), address)
    person.landline = landline if inventor.chance(0.45) else None
    if inventor.chance(0.12):
        person.old_address = inventor.home(locale)[0]
    return person


def _household(inventor: _Inventor, first_key: int, size: int) -> list[Person]:
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


def _household_members(inventor: _Inventor, size: int) -> list[tuple[str, date]]:
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


def _near(inventor: _Inventor, born: date) -> date:
    """A partner's birth date: within five years, and at least 18 years old."""
    return min(born + timedelta(days=inventor.rng.randint(-5 * 365, 5 * 365)), TIMELINE_END - timedelta(days=18 * 366))


def _person(
    inventor: _Inventor,
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


def _sources(inventor: _Inventor, person: Person) -> tuple[str, ...]:
    """One to four contact sources; about half the people are in two or more."""
    weights = dict(SOURCE_WEIGHTS)
    if person.language == "en":
        weights["xing"] = 2
    chosen: list[str] = []
    for _ in range(inventor.weighted(SOURCE_COUNTS)):
        pick = inventor.weighted({name: weight for name, weight in weights.items() if name not in chosen})
        chosen.append(pick)
    return tuple(name for name in CONTACT_SOURCES if name in chosen)


def _handles(inventor: _Inventor, person: Person) -> dict[str, str]:
    networks = [name for name in ("xing", "linkedin") if name in person.sources or inventor.chance(0.05)]
    if "social" in person.sources:
        networks += inventor.rng.sample(SOCIAL_NETWORKS, inventor.weighted({1: 60, 2: 30, 3: 10}))
    elif inventor.chance(0.1):
        networks.append(inventor.rng.choice(SOCIAL_NETWORKS))
    return {network: inventor.handle(network, person.first_name, person.last_name) for network in networks}


# What the sources hold: variations of the truth.


class _Exports:
    """Builds each source's rows from the people, with the flaws real data has."""

    def __init__(self, inventor: _Inventor, persons: list[Person]) -> None:
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
        return _email_case(self.rng, address) if self.inventor.chance(case) else address

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
            "Geburtsdatum": self.maybe(0.6, _german_date(person.birth_date)),
            "Kunde seit": _german_date(since),
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
            "Angemeldet am": _german_date(self.inventor.day_between(TIMELINE_START, TIMELINE_END)),
        }
        return {column: _cp1252(value) for column, value in values.items()}

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


# What people did: orders, posts and tickets.


class _Activity:
    """Orders for shop accounts, posts by followers and tickets by support contacts."""

    def __init__(self, inventor: _Inventor, exports: _Exports) -> None:
        self.inventor, self.rng, self.exports = inventor, inventor.rng, exports
        self.orders_of: dict[int, list[Order]] = {}

    def purchases(self) -> list[Row]:
        drafts = []
        for number, person, since, until in self.exports.accounts:
            count = self.inventor.weighted({0: 15, 1: 30, 2: 20, 3: 12, 4: 9, 5: 6, 6: 4, 8: 4})
            for _ in range(count):
                drafts.append((self.inventor.moment_on(self.inventor.day_between(since, until)), number, person))
        drafts.sort(key=lambda draft: (draft[0], draft[1]))
        rows = []
        for sequence, (when, account, person) in enumerate(drafts, start=200001):
            order = self.order(str(sequence), account, when)
            self.orders_of.setdefault(person.key, []).append(order)
            rows.append(Row(person.key, _order_values(order)))
        return rows

    def order(self, number: str, account: str, when: datetime) -> Order:
        picks = self.rng.sample(PRODUCTS, self.inventor.weighted({1: 40, 2: 30, 3: 20, 4: 10}))
        quantities = [self.inventor.weighted({1: 70, 2: 22, 3: 8}) for _ in picks]
        lines = tuple((quantity, name) for quantity, (name, _, _) in zip(quantities, picks, strict=True))
        cents = sum(quantity * price for quantity, (_, price, _) in zip(quantities, picks, strict=True))
        if cents < FREE_SHIPPING_FROM:
            cents += SHIPPING_CENTS
        return Order(number, account, when, lines, cents)

    def posts(self, followers: list[Row], persons: list[Person]) -> list[Row]:
        drafts = []
        for row in followers:
            if self.inventor.chance(0.45):
                person = persons[row.person]
                for _ in range(self.inventor.weighted({1: 60, 2: 28, 3: 12})):
                    day = self.inventor.day_between(date.fromisoformat(row.values["followed_at"]), TIMELINE_END)
                    drafts.append((self.inventor.moment_on(day), row, person))
        drafts.sort(key=lambda draft: (draft[0], draft[1].values["id"]))
        rows = []
        for sequence, (when, follower, person) in enumerate(drafts, start=1):
            network = follower.values["network"]
            template = self.template("post", person, has_orders=False)
            slots = self.slots(person, follower.values.get("first_name", ""), "", None)
            values = {
                "post_id": f"{network}-{1_800_000 + sequence}",
                "author": follower.values["id"],
                "created_at": when.isoformat(),
                "network": network,
                "type": "post",
                "text": template.text.format(**slots),
            }
            rows.append(Row(person.key, values))
        return rows

    def tickets(self, contacts: list[Row], persons: list[Person]) -> list[Row]:
        """Tickets, mostly a few days after one of the person's orders, which they then refer to."""
        drafts = []
        for contact in contacts:
            person = persons[contact.person]
            for _ in range(self.inventor.weighted({1: 60, 2: 30, 3: 10})):
                orders = self.orders_of.get(person.key)
                order = self.rng.choice(orders) if orders else None
                drafts.append((self.ticket_time(order), contact, person, order))
        drafts.sort(key=lambda draft: (draft[0], draft[1].values["Ticket contact id"]))
        rows = []
        for sequence, (when, contact, person, order) in enumerate(drafts, start=50001):
            template = self.template("ticket", person, has_orders=order is not None)
            first = contact.values["First name"]
            slots = self.slots(person, first, " ".join(filter(None, (first, contact.values["Last name"]))), order)
            values = {
                "Ticket ID": str(sequence),
                "Ticket contact id": contact.values["Ticket contact id"],
                "Created at": when.isoformat(sep=" "),
                "Channel": "email",
                "Type": "ticket",
                "Subject": template.subject.format(**slots),
                "Text": template.text.format(**slots),
            }
            rows.append(Row(person.key, values))
        return rows

    def ticket_time(self, order: Order | None) -> datetime:
        if order:
            return order.when + timedelta(days=self.rng.randint(2, 20), minutes=self.rng.randrange(600))
        return self.inventor.moment_on(self.inventor.day_between(TIMELINE_START, TIMELINE_END))

    def template(self, kind: str, person: Person, has_orders: bool) -> Template:
        form = "" if person.language == "en" else person.address_form
        if kind == "post" and form == "Sie" and self.inventor.chance(0.5):
            form = "du"  # on social media even formal people often write informally
        fitting = [
            template
            for template in TEMPLATES
            if (template.kind, template.language, template.form) == (kind, person.language, form)
            and (has_orders or not template.needs_order)
        ]
        return self.rng.choice(fitting)

    def slots(self, person: Person, first: str, name: str, order: Order | None) -> dict[str, str]:
        """What fills a template: products from ``order`` (else from anything the person bought)."""
        lines = order.lines if order else [line for each in self.orders_of.get(person.key, []) for line in each.lines]
        bought = [product for _, product in lines]
        drinks = [product for product in bought if _kind_of(product) != "item"] or _names("tea", "coffee")
        teas = [product for product in bought if _kind_of(product) == "tea"] or _names("tea")
        items = [product for product in bought if _kind_of(product) == "item"] or _names("item")
        product = self.rng.choice(drinks)
        return {
            "product": _short(product),
            "product2": _short(self.rng.choice([other for other in _names("tea", "coffee") if other != product])),
            "tea": _short(self.rng.choice(teas)),
            "item": _short(self.rng.choice(items)),
            "order": order.number if order else "",
            "days": str(self.rng.randint(5, 21)),
            "quick": str(self.rng.randint(2, 4)),
            "shop": SHOP,
            "handle": SHOP_HANDLE,
            "first": first or person.first_name,
            "name": name or person.first_name,
        }


def _names(*kinds: str) -> list[str]:
    return [name for name, _, kind in PRODUCTS if kind in kinds]


def _kind_of(product: str) -> str:
    return next(kind for name, _, kind in PRODUCTS if name == product)


def _short(product: str) -> str:
    """The product's name without its pack size: ``Sencha Kagoshima, 100 g`` → ``Sencha Kagoshima``."""
    return product.split(",")[0]


def _order_values(order: Order) -> dict[str, str]:
    return {
        "Bestellnummer": order.number,
        "Kundennummer": order.account,
        "Bestelldatum": f"{_german_date(order.when.date())} {order.when:%H:%M}",
        "Betrag": _euro(order.cents),
        "Währung": "EUR",
        "Artikel": "; ".join(f"{quantity}x {name}" for quantity, name in order.lines),
    }


# Putting it together.


def generate(people: int = 2000, seed: int = 7, region: str = "DE") -> Demo:
    """The people and every file the sources export about them, in import order."""
    inventor = _Inventor(seed, region)
    persons = invent_people(inventor, people)
    exports = _Exports(inventor, persons)
    webshop, social, support = exports.webshop(), exports.social(), exports.support()
    activity = _Activity(inventor, exports)
    purchases = activity.purchases()
    files = [
        DemoFile("kunden.csv", "webshop", "contacts", webshop, _columns(webshop),
                 {"Kundennummer": "source_record_id"}),
        DemoFile("newsletter.csv", "newsletter", "contacts", exports.newsletter(),
                 _NEWSLETTER_COLUMNS, delimiter=";", encoding="cp1252"),
        DemoFile("xing-kontakte.vcf", "xing", "contacts", exports.xing()),
        DemoFile("Connections.csv", "linkedin", "contacts", exports.linkedin(), _LINKEDIN_COLUMNS,
                 {"URL": "linkedin"}),
        DemoFile("follower.jsonl", "social", "contacts", social),
        DemoFile("support-kontakte.csv", "support", "contacts", support, _columns(support),
                 {"Ticket contact id": "source_record_id"}),
        DemoFile("bestellungen.csv", "webshop", "purchases", purchases, _columns(purchases)),
        DemoFile("posts.jsonl", "social", "messages", activity.posts(social, persons)),
        DemoFile("tickets.csv", "support", "messages", activity.tickets(support, persons),
                 _TICKET_COLUMNS, {"Ticket contact id": "contact_id"}),
    ]  # fmt: skip
    return Demo(persons, [file for file in files if file.rows])


_NEWSLETTER_COLUMNS = ("E-Mail", "Vorname", "Nachname", "Sprache", "Anrede", "Ansprache", "Angemeldet am")
_LINKEDIN_COLUMNS = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On")
_TICKET_COLUMNS = ("Ticket ID", "Ticket contact id", "Created at", "Channel", "Type", "Subject", "Text")


def _columns(rows: list[Row]) -> tuple[str, ...]:
    return tuple(rows[0].values) if rows else ()


def encode(file: DemoFile) -> bytes:
    """The bytes of ``file`` as its source would export it."""
    if file.name.endswith(".vcf"):
        return _vcards(file.rows)
    if file.name.endswith(".jsonl"):
        return "".join(json.dumps(row.values, ensure_ascii=False) + "\n" for row in file.rows).encode()
    return _csv(file.columns, file.rows, file.delimiter).encode(file.encoding)


def _csv(columns: Sequence[str], rows: list[Row], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([row.values.get(column, "") for column in columns] for row in rows)
    return buffer.getvalue()


def _vcards(rows: list[Row]) -> bytes:
    lines = []
    for row in rows:
        lines += ["BEGIN:VCARD", "VERSION:3.0"]
        lines += [_fold(f"{name}:{value}") for name, value in row.values.items()]
        lines.append("END:VCARD")
    return ("\r\n".join(lines) + "\r\n").encode()


def _fold(line: str, limit: int = 75) -> str:
    """Fold a content line at ``limit`` octets, as RFC 6350 asks, never inside a character."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size = " ", 1
        current += char
        size += width
    return "\r\n".join([*pieces, current])


def build_demo(
    store: Store, people: int = 2000, seed: int = 7, region: str = "DE", after_import: AfterImport | None = None
) -> str:
    """Invent ``people`` persons and import them from several sources; return a short summary."""
    demo = generate(people, seed, region)
    results = [
        (file, import_data(store, file.name, encode(file), file.source, kind=file.kind,
                           overrides=file.overrides, region=region, actor="demo", after_import=after_import))
        for file in demo.files
    ]  # fmt: skip
    return summary(demo, results)


def summary(demo: Demo, results: list[tuple[DemoFile, ImportResult]]) -> str:
    in_several = sum(1 for person in demo.persons if len(person.sources) > 1)
    households = len({person.household for person in demo.persons if person.household is not None})
    lines = [
        f"Invented {len(demo.persons)} people ({in_several} in two or more sources, {households} households).",
        "Contact records per source:",
    ]
    lines += [f"  {file.source:<11}{result.created:>6}" for file, result in results if file.kind == "contacts"]
    created: Counter[str] = Counter()
    for file, result in results:
        created[file.kind] += result.created
    lines.append(f"Purchases imported: {created['purchases']}")
    lines.append(f"Messages imported: {created['messages']} (social posts and support tickets)")
    return "\n".join(lines)

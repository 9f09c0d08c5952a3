"""The words the demo is made of: names, nicknames, cities, streets, products and message templates.

Dates are fixed rather than relative to today, so a seed always gives the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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

"""The exports of the tools small businesses use, recognised by their headers.

Each ``ExportFormat`` says which columns of one tool's export feed which field,
what every row of it is (contacts, purchases, messages) and what the file
leaves unsaid (a LinkedIn message is a message on LinkedIn). A file is
recognised when its header holds every column of a format's signature; the
format with the longest signature wins. Several columns may feed one field:
the first that is not empty is taken (Outlook's business address, else the
private one). ``reshape`` turns a tool's row layout into one row per record
(Shopify writes one row per line item).

Interaction files name their contact in one of the ``contact_*`` fields: by
record id in the same source, email, customer number, handle or display name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cdp.errors import N_
from cdp.ingest.columns import header_key

Row = tuple[int, dict[str, str]]
Reshape = Callable[[list[Row]], list[Row]]


@dataclass(frozen=True)
class ExportFormat:
    key: str
    name: str  # translatable, shown as "Recognised: …"
    kind: str
    columns: dict[str, str]  # column as the tool writes it -> field ("" leaves it out)
    signature: tuple[str, ...]  # columns that must all be in the header
    defaults: dict[str, str] = field(default_factory=dict)  # field -> value when the file has none
    reshape: Reshape | None = None
    only_mapped: bool = False  # columns not in ``columns`` are dropped, not kept as extras
    phones_by_type: bool = False  # the one phone column holds mobile and landline numbers alike


def detect(headers: list[str], kind: str | None = None) -> ExportFormat | None:
    """The export ``headers`` belong to (of ``kind`` when given), or None."""
    present = {header_key(header) for header in headers}
    fitting = [
        known
        for known in FORMATS
        if (kind is None or known.kind == kind) and {header_key(column) for column in known.signature} <= present
    ]
    return max(fitting, key=lambda known: len(known.signature), default=None)


def mapping_of(known: ExportFormat, headers: list[str]) -> dict[str, str]:
    """``{column: field}`` for the columns of ``headers`` that ``known`` maps (compared as header keys)."""
    by_key = {header_key(column): name for column, name in known.columns.items()}
    return {header: by_key[header_key(header)] for header in headers if header_key(header) in by_key}


def _linkedin_conversations(rows: list[Row]) -> list[Row]:
    """Each message with the other person as its contact and its direction.

    The account owner is on every message, as sender or recipient: the
    profile URL found on all of them.
    """
    on_every: set[str] | None = None
    for _, values in rows:
        urls = {values.get("SENDER PROFILE URL", ""), *values.get("RECIPIENT PROFILE URLS", "").split(",")}
        on_every = urls if on_every is None else on_every & urls
    owner = next(iter(on_every), "") if on_every and len(rows) > 1 else ""
    shaped = []
    for line, values in rows:
        sender = values.get("SENDER PROFILE URL", "")
        outgoing = bool(owner) and sender.strip() == owner.strip()
        other = values.get("RECIPIENT PROFILE URLS", "").split(",")[0] if outgoing else sender
        shaped.append((line, {**values, "contact_linkedin": other.strip(), "direction": "out" if outgoing else "in"}))
    return shaped


def _shopify_line_items(rows: list[Row]) -> list[Row]:
    """One row per order: Shopify repeats the order's ``Name`` on a row for each further line item."""
    orders: dict[str, Row] = {}
    for line, values in rows:
        name = values.get("Name", "")
        if name not in orders:
            orders[name] = (line, dict(values))
            continue
        merged = orders[name][1]
        item = values.get("Lineitem name", "")
        if item:
            merged["Lineitem name"] = f"{merged.get('Lineitem name', '')}; {item}".strip("; ")
        quantities = [merged.get("Lineitem quantity", ""), values.get("Lineitem quantity", "")]
        if all(quantity.strip().isdigit() for quantity in quantities):
            merged["Lineitem quantity"] = str(sum(int(quantity) for quantity in quantities))
    return list(orders.values())


def _google_labels(rows: list[Row]) -> list[Row]:
    """Google's numbered phone columns sorted by their label, and the first of several values.

    Google writes ``Phone 1 - Label`` = ``Mobile`` next to ``Phone 1 - Value``,
    and several values in one cell as ``* first ::: second`` (``*`` marks the
    primary one).
    """
    shaped = []
    for line, values in rows:
        values = {column: _first_of_several(value) for column, value in values.items()}
        for number in range(1, 10):
            value = values.get(f"Phone {number} - Value", "")
            if not value:
                continue
            label = values.get(f"Phone {number} - Label", "").casefold()
            slot = "mobile" if "mobile" in label or "mobil" in label else "phone"
            values.setdefault(slot, value)
        shaped.append((line, values))
    return shaped


def _first_of_several(value: str) -> str:
    return value.split(" ::: ")[0].removeprefix("* ").strip() if " ::: " in value or value.startswith("* ") else value


_LINKEDIN_CONNECTIONS = ExportFormat(
    "linkedin-connections",
    N_("LinkedIn connections (Connections.csv)"),
    "contacts",
    {"First Name": "first_name", "Last Name": "last_name", "URL": "linkedin", "Email Address": "email",
     "Company": "company", "Position": "job_title"},
    ("First Name", "Last Name", "URL", "Connected On"),
)  # fmt: skip

_LINKEDIN_MESSAGES = ExportFormat(
    "linkedin-messages",
    N_("LinkedIn messages (messages.csv)"),
    "messages",
    {"DATE": "occurred_at", "SUBJECT": "subject", "CONTENT": "text", "contact_linkedin": "contact_linkedin",
     "direction": "direction", "FROM": "", "TO": "", "SENDER PROFILE URL": "", "RECIPIENT PROFILE URLS": ""},
    ("CONVERSATION ID", "SENDER PROFILE URL", "RECIPIENT PROFILE URLS", "CONTENT"),
    defaults={"channel": "linkedin", "type": "message"},
    reshape=_linkedin_conversations,
)  # fmt: skip

_GOOGLE_CONTACTS = ExportFormat(
    "google-contacts",
    N_("Google Contacts (Google CSV)"),
    "contacts",
    {"First Name": "first_name", "Last Name": "last_name", "Name Prefix": "salutation",
     "Organization Name": "company", "Organization Title": "job_title", "Birthday": "birth_date",
     "E-mail 1 - Value": "email", "Address 1 - Street": "street", "Address 1 - Extended Address": "address_extra",
     "Address 1 - Postal Code": "postcode", "Address 1 - City": "city", "Address 1 - Region": "region",
     "Address 1 - Country": "country", "Website 1 - Value": "website",
     # Also the pre-2024 layout.
     "Given Name": "first_name", "Family Name": "last_name", "Organization 1 - Name": "company",
     "Organization 1 - Title": "job_title", "phone": "phone", "mobile": "mobile"},
    ("E-mail 1 - Value", "Phone 1 - Value"),
    reshape=_google_labels,
)  # fmt: skip

_OUTLOOK_DE = ExportFormat(
    "outlook-de",
    N_("Outlook contacts (German)"),
    "contacts",
    {"Anrede": "salutation", "Vorname": "first_name", "Nachname": "last_name", "Firma": "company",
     "Position": "job_title", "Straße geschäftlich": "street", "Straße privat": "street",
     "Straße geschäftlich 2": "address_extra", "Straße privat 2": "address_extra",
     "Ort geschäftlich": "city", "Ort privat": "city", "Postleitzahl geschäftlich": "postcode",
     "Postleitzahl privat": "postcode", "Bundesland/Kanton geschäftlich": "region",
     "Bundesland/Kanton privat": "region", "Land/Region geschäftlich": "country", "Land/Region privat": "country",
     "Telefon geschäftlich": "phone", "Telefon privat": "phone", "Mobiltelefon": "mobile",
     "E-Mail-Adresse": "email", "Geburtstag": "birth_date", "Webseite": "website", "Geschlecht": "gender"},
    ("Vorname", "Nachname", "E-Mail-Adresse", "Straße geschäftlich"),
)  # fmt: skip

_OUTLOOK_EN = ExportFormat(
    "outlook-en",
    N_("Outlook contacts (English)"),
    "contacts",
    {"Title": "salutation", "First Name": "first_name", "Last Name": "last_name", "Company": "company",
     "Job Title": "job_title", "Business Street": "street", "Home Street": "street",
     "Business Street 2": "address_extra", "Home Street 2": "address_extra", "Business City": "city",
     "Home City": "city", "Business Postal Code": "postcode", "Home Postal Code": "postcode",
     "Business State": "region", "Home State": "region", "Business Country/Region": "country",
     "Home Country/Region": "country", "Business Phone": "phone", "Home Phone": "phone",
     "Mobile Phone": "mobile", "E-mail Address": "email", "Birthday": "birth_date", "Web Page": "website",
     "Gender": "gender"},
    ("First Name", "Last Name", "E-mail Address", "Business Street"),
)  # fmt: skip

_SHOPIFY_CUSTOMERS = ExportFormat(
    "shopify-customers",
    N_("Shopify customers export"),
    "contacts",
    {"Customer ID": "customer_number", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
     "Default Address Company": "company", "Default Address Address1": "street",
     "Default Address Address2": "address_extra", "Default Address City": "city",
     "Default Address Province Code": "region", "Default Address Country Code": "country",
     "Default Address Zip": "postcode", "Default Address Phone": "phone", "Phone": "mobile",
     # Before 2023 the columns had no "Default Address" prefix.
     "Company": "company", "Address1": "street", "Address2": "address_extra", "City": "city",
     "Province Code": "region", "Country Code": "country", "Zip": "postcode"},
    ("First Name", "Last Name", "Email", "Total Spent", "Total Orders"),
)  # fmt: skip

_SHOPIFY_ORDERS = ExportFormat(
    "shopify-orders",
    N_("Shopify orders export"),
    "purchases",
    {"Name": "interaction_id", "Email": "contact_email", "Created at": "occurred_at", "Total": "amount",
     "Currency": "currency", "Lineitem name": "product", "Lineitem quantity": "quantity"},
    ("Name", "Email", "Financial Status", "Lineitem name", "Created at"),
    reshape=_shopify_line_items,
)  # fmt: skip

_WOOCOMMERCE_CUSTOMERS = ExportFormat(
    "woocommerce-customers",
    N_("WooCommerce customers (Analytics)"),
    "contacts",
    {"Name": "full_name", "Email": "email", "Country / Region": "country", "City": "city", "Region": "region",
     "Postal code": "postcode"},
    ("Name", "Username", "Email", "Total spend", "AOV"),
)  # fmt: skip

_WOOCOMMERCE_ORDERS = ExportFormat(
    "woocommerce-orders",
    N_("WooCommerce orders (Analytics)"),
    "purchases",
    {"Order #": "interaction_id", "Date": "occurred_at", "Customer": "contact_name", "Product(s)": "product",
     "Items sold": "quantity", "Net sales": "amount"},
    ("Date", "Order #", "Customer", "Net sales"),
)  # fmt: skip

_ERP_RECEIPTS = ExportFormat(
    "erp-receipts",
    N_("receipts of a German merchandise system (Belege)"),
    "purchases",
    {"Beleg-Nr.": "interaction_id", "Belegnummer": "interaction_id", "Belegdatum": "occurred_at",
     "Kd-Nr.": "contact_customer_number", "Kundennummer": "contact_customer_number",
     "Betrag brutto": "amount", "Bruttobetrag": "amount", "Währung": "currency"},
    ("Belegdatum", "Betrag brutto"),
)  # fmt: skip

_DATEV_DEBTORS = ExportFormat(
    "datev-debitoren",
    N_("DATEV debtors and creditors (EXTF)"),
    "contacts",
    {"Kundennummer": "customer_number", "Name (Adressatentyp natürl. Person)": "last_name",
     "Vorname (Adressatentyp natürl. Person)": "first_name", "Name (Adressatentyp Unternehmen)": "company",
     "Anrede": "salutation", "Titel/Akad. Grad": "title", "Straße": "street", "Postleitzahl": "postcode",
     "Ort": "city", "Land": "country", "Telefon": "phone", "E-Mail": "email", "Internet": "website"},
    ("Konto", "Name (Adressatentyp Unternehmen)", "Adressatentyp"),
    only_mapped=True,
)  # fmt: skip

_MAILCHIMP = ExportFormat(
    "mailchimp-audience",
    N_("Mailchimp audience export"),
    "contacts",
    {"Email Address": "email", "First Name": "first_name", "Last Name": "last_name", "Address": "full_address",
     "Phone Number": "phone", "Birthday": "birth_date", "CC": "country"},
    ("Email Address", "MEMBER_RATING", "LEID", "EUID"),
    phones_by_type=True,
)  # fmt: skip

_CLEVERREACH = ExportFormat(
    "cleverreach",
    N_("CleverReach recipients export"),
    "contacts",
    {"email": "email", "firstname": "first_name", "lastname": "last_name", "salutation": "salutation",
     "street": "street", "zip": "postcode", "city": "city", "country": "country", "birthday": "birth_date"},
    ("email", "activated", "deactivated", "bounced"),
)  # fmt: skip

_BREVO = ExportFormat(
    "brevo-contacts",
    N_("Brevo contacts export"),
    "contacts",
    {"CONTACT ID": "source_record_id", "EMAIL": "email", "FIRSTNAME": "first_name", "LASTNAME": "last_name",
     "SMS": "mobile", "LANDLINE_NUMBER": "phone"},
    ("EMAIL", "EMAIL_BLACKLISTED", "SMS_BLACKLISTED"),
)  # fmt: skip

_TICKET_DEFAULTS = {"type": "ticket", "channel": "ticket", "direction": "in"}

_ZENDESK_TICKETS = ExportFormat(
    "zendesk-tickets",
    N_("Zendesk tickets export"),
    "messages",
    {"Id": "interaction_id", "Requester email": "contact_email", "Requester": "contact_name",
     "Subject": "subject", "Created at": "occurred_at"},
    ("Id", "Requester", "Requester email", "Subject", "Via"),
    defaults=_TICKET_DEFAULTS,
)  # fmt: skip

_ZENDESK_REQUESTERS = ExportFormat(
    "zendesk-requesters",
    N_("Zendesk tickets export (the requesters as contacts)"),
    "contacts",
    {"Requester id": "source_record_id", "Requester": "full_name", "Requester email": "email",
     "Organization": "company"},
    ("Id", "Requester", "Requester email", "Subject", "Via"),
    only_mapped=True,
)  # fmt: skip

_FRESHDESK_TICKETS = ExportFormat(
    "freshdesk-tickets",
    N_("Freshdesk tickets export"),
    "messages",
    {"Ticket ID": "interaction_id", "Email": "contact_email", "Full name": "contact_name", "Subject": "subject",
     "Description": "text", "Created time": "occurred_at"},
    ("Ticket ID", "Subject", "Created time", "Full name", "Contact ID"),
    defaults=_TICKET_DEFAULTS,
)  # fmt: skip

_FRESHDESK_CONTACTS = ExportFormat(
    "freshdesk-contacts",
    N_("Freshdesk tickets export (the contacts)"),
    "contacts",
    {"Contact ID": "source_record_id", "Full name": "full_name", "Email": "email", "Work phone": "phone",
     "Mobile phone": "mobile", "Twitter ID": "x", "Company Name": "company"},
    ("Ticket ID", "Subject", "Created time", "Full name", "Contact ID"),
    only_mapped=True,
)  # fmt: skip

FORMATS = (
    _LINKEDIN_CONNECTIONS,
    _LINKEDIN_MESSAGES,
    _GOOGLE_CONTACTS,
    _OUTLOOK_DE,
    _OUTLOOK_EN,
    _SHOPIFY_CUSTOMERS,
    _SHOPIFY_ORDERS,
    _WOOCOMMERCE_CUSTOMERS,
    _WOOCOMMERCE_ORDERS,
    _ERP_RECEIPTS,
    _DATEV_DEBTORS,
    _MAILCHIMP,
    _CLEVERREACH,
    _BREVO,
    _ZENDESK_TICKETS,
    _ZENDESK_REQUESTERS,
    _FRESHDESK_TICKETS,
    _FRESHDESK_CONTACTS,
)
BY_KEY = {known.key: known for known in FORMATS}

# Exports whose own readers know them (``formats.archives``): their names, by key.
ARCHIVE_NAMES = {
    "x-account": N_("X archive: account (account.js)"),
    "x-tweets": N_("X archive: posts (tweets.js)"),
    "facebook-friends": N_("Facebook: friends (your_friends.json)"),
    "facebook-posts": N_("Facebook: posts"),
    "instagram-followers": N_("Instagram: followers (followers_1.json)"),
    "instagram-posts": N_("Instagram: posts (posts_1.json)"),
}

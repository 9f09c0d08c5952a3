"""The vCard reader: real exports of 2.1, 3.0 and 4.0, errors, and round trips."""

from __future__ import annotations

import base64
import contextlib
import random
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdp.errors import FormatError
from cdp.ingest.formats.vcard import read_vcards


def vcf(*lines: str, eol: str = "\r\n") -> str:
    return eol.join(lines) + eol


def only_card(text: str) -> dict[str, str]:
    (card,) = read_vcards(text)
    return card[1]


def rejection(text: str) -> FormatError:
    with pytest.raises(FormatError) as caught:
        list(read_vcards(text))
    return caught.value


def photo_lines(indent: str, width: int = 72) -> list[str]:
    data = base64.b64encode(random.Random(7).randbytes(3000)).decode()
    return [indent + data[start : start + width] for start in range(0, len(data), width)]


# Real-looking exports.

OUTLOOK_21_CP1252 = vcf(
    "BEGIN:VCARD",
    "VERSION:2.1",
    "N;LANGUAGE=de;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen;Karl;Dr.;",
    "FN;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:Dr. J=FCrgen M=FCller",
    "ORG:Beispiel Handels GmbH;Vertrieb",
    "TITLE;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:Gesch=E4ftsf=FChrer",
    "TEL;WORK;VOICE:+49 30 1234567",
    "TEL;CELL;VOICE:+49 171 7654321",
    "TEL;WORK;FAX:+49 30 1234568",
    "ADR;WORK;PREF;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:;;Hauptstra=DFe 5;M=FCnchen;Bayern;80331;Deutsch=",
    "land",
    "ADR;HOME;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:Postfach 12 34;Hinterhaus;Gartenweg 2;K=F6ln;;50667;=",
    "Deutschland",
    "LABEL;WORK;PREF;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:Hauptstra=DFe 5=0D=0A80331 M=FCnchen",
    "EMAIL;INTERNET:j.mueller@privat.example",
    "EMAIL;PREF;INTERNET:juergen.mueller@beispiel-handel.example",
    "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=windows-1252:Kunde seit 2019.=0D=0AMag keine Anrufe vor 10 Uhr, =",
    "Ablage C:\\neu",
    "X-MS-OL-DEFAULT-POSTAL-ADDRESS:2",
    "REV:20240115T101500Z",
    "END:VCARD",
)


def test_outlook_21_with_windows_1252_quoted_printable() -> None:
    assert only_card(OUTLOOK_21_CP1252) == {
        "first_name": "Jürgen Karl",
        "last_name": "Müller",
        "title": "Dr.",
        "email": "juergen.mueller@beispiel-handel.example",
        "mobile": "+49 171 7654321",
        "phone": "+49 30 1234567",
        "address_extra": "Hinterhaus, Postfach 12 34",
        "street": "Gartenweg 2",
        "city": "Köln",
        "postcode": "50667",
        "country": "Deutschland",
        "company": "Beispiel Handels GmbH",
        "job_title": "Geschäftsführer",
        "vcard:EMAIL": "j.mueller@privat.example",
        "vcard:TEL": "+49 30 1234568",
        "vcard:ADR": "Hauptstraße 5, München, Bayern, 80331, Deutschland",
        "vcard:LABEL": "Hauptstraße 5\n80331 München",
        # vCard 2.1 has no backslash escapes apart from "\;": "\n" stays a backslash and an n.
        "vcard:NOTE": "Kunde seit 2019.\nMag keine Anrufe vor 10 Uhr, Ablage C:\\neu",
        "vcard:X-MS-OL-DEFAULT-POSTAL-ADDRESS": "2",
        "vcard:ORG": "Vertrieb",
    }


def test_android_21_with_utf8_quoted_printable_split_inside_a_character() -> None:
    text = vcf(
        "BEGIN:VCARD",
        "VERSION:2.1",
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=96zt=C3=BCrk;Ay=C5=9Fe;;;",
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ay=C5=9Fe =C3=96zt=C3=BCrk",
        "TEL;CELL:+491701234567",
        "TEL;HOME:+49401234567",
        "EMAIL;HOME:ayse@example.org",
        "ADR;HOME;CHARSET=UTF-8;QUOTED-PRINTABLE:;;Schlo=C3=",
        "=9Fallee 7;D=C3=BCsseldorf;;40213;",
        "END:VCARD",
    )
    assert only_card(text) == {
        "first_name": "Ayşe",
        "last_name": "Öztürk",
        "email": "ayse@example.org",
        "mobile": "+491701234567",
        "phone": "+49401234567",
        "street": "Schloßallee 7",
        "city": "Düsseldorf",
        "postcode": "40213",
    }


XING_30 = vcf(
    "BEGIN:VCARD",
    "VERSION:3.0",
    "PRODID:-//XING AG//XING vCard Export//DE",
    "N:Schneider;Katharina;Maria;;",
    "FN:Katharina Maria Schneider",
    "ORG:Nordlicht Consulting GmbH",
    "TITLE:Senior Consultant\\, Digitalisierung",
    "EMAIL;TYPE=INTERNET,WORK:k.schneider@nordlicht-consulting.example",
    "EMAIL;TYPE=INTERNET,HOME,PREF:katharina.schneider@example.de",
    "TEL;TYPE=WORK,VOICE:+49 40 303012-0",
    "TEL;TYPE=CELL,VOICE:+49 160 9876543",
    "ADR;TYPE=WORK:;3. OG;Große Elbstraße 145;Hamburg;;22767;Deutschland",
    "URL;TYPE=WORK:https://www.nordlicht-consulting.example",
    "X-SOCIALPROFILE;TYPE=xing:https://www.xing.com/profile/Katharina_Schneider",
    " 42",
    "X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/katharina-schnei",
    "\tder-hh",
    "X-SOCIALPROFILE;TYPE=flickr:https://www.flickr.com/people/kschneider",
    "NOTE:Kennengelernt auf der Digitalkonferenz Hamburg 2023.\\nInteresse an e",
    " inem Workshop im Herbst\\; Budget offen.",
    "BDAY:1985-09-23",
    "END:VCARD",
)


def test_xing_30_export_with_social_profiles_and_folded_lines() -> None:
    assert only_card(XING_30) == {
        "first_name": "Katharina Maria",
        "last_name": "Schneider",
        "email": "katharina.schneider@example.de",
        "mobile": "+49 160 9876543",
        "phone": "+49 40 303012-0",
        "address_extra": "3. OG",
        "street": "Große Elbstraße 145",
        "city": "Hamburg",
        "postcode": "22767",
        "country": "Deutschland",
        "website": "https://www.nordlicht-consulting.example",
        "xing": "https://www.xing.com/profile/Katharina_Schneider42",
        "linkedin": "https://www.linkedin.com/in/katharina-schneider-hh",
        "birth_date": "1985-09-23",
        "job_title": "Senior Consultant, Digitalisierung",
        "company": "Nordlicht Consulting GmbH",
        "vcard:EMAIL": "k.schneider@nordlicht-consulting.example",
        "vcard:X-SOCIALPROFILE": "https://www.flickr.com/people/kschneider",
        "vcard:NOTE": "Kennengelernt auf der Digitalkonferenz Hamburg 2023.\n"
        "Interesse an einem Workshop im Herbst; Budget offen.",
    }


APPLE_40 = vcf(
    "BEGIN:VCARD",
    "VERSION:4.0",
    "PRODID:-//Apple Inc.//macOS 14.4//EN",
    "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
    "n:Yılmaz;Deniz;;;",
    "FN:Deniz Yılmaz",
    "GENDER:F;",
    "LANG;PREF=1:de",
    "LANG;PREF=2:tr",
    "item1.EMAIL;TYPE=home;PREF=2:deniz@privat.example",
    "item1.X-ABLabel:_$!<Home>!$_",
    "item2.EMAIL;type=work;pref=1:d.yilmaz@firma.example",
    "item2.X-ABLabel:_$!<Work>!$_",
    'TEL;VALUE=uri;TYPE="voice,work":tel:+49-89-1234567',
    'TEL;VALUE=uri;TYPE="cell,voice":tel:+49-151-2345678',
    "item3.ADR;TYPE=work:;;Leopoldstraße 12;München;Bayern;80802;Deutschland",
    "item3.X-ABADR:de",
    'item4.ADR;TYPE=home;LABEL="Ackerstraße 3;10115 Berlin":;Hinterhaus;Ackerstraße 3\\nc/o Weber;Berlin;;10115;',
    "item4.X-ABADR:de",
    "item5.URL;TYPE=pref:https://deniz-yilmaz.example",
    "item5.X-ABLabel:_$!<HomePage>!$_",
    "item6.URL:https://www.instagram.com/deniz.yilmaz",
    "X-SOCIALPROFILE;TYPE=twitter;X-USER=denizyilmaz:https://x.com/denizyilmaz",
    "BDAY:--0412",
    "NOTE:Bevorzugt Kontakt per E-Mail\\; bitte nicht vor 9 Uhr anrufen.",
    "CATEGORIES:Kunden,VIP",
    "REV:2024-03-01T10:00:00Z",
    "END:VCARD",
)


def test_apple_40_with_groups_preferences_and_uri_numbers() -> None:
    assert only_card(APPLE_40) == {
        "first_name": "Deniz",
        "last_name": "Yılmaz",
        "email": "d.yilmaz@firma.example",
        "mobile": "+49-151-2345678",
        "phone": "+49-89-1234567",
        "address_extra": "Hinterhaus",
        "street": "Ackerstraße 3\nc/o Weber",
        "city": "Berlin",
        "postcode": "10115",
        "website": "https://deniz-yilmaz.example",
        "instagram": "https://www.instagram.com/deniz.yilmaz",
        "x": "https://x.com/denizyilmaz",
        "source_record_id": "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
        "vcard:BDAY": "--0412",
        "language": "de",
        "gender": "F",
        "vcard:LANG": "tr",
        "vcard:EMAIL": "deniz@privat.example",
        "vcard:ADR": "Leopoldstraße 12, München, Bayern, 80802, Deutschland",
        "vcard:X-ABADR": "de; de",
        "vcard:NOTE": "Bevorzugt Kontakt per E-Mail; bitte nicht vor 9 Uhr anrufen.",
        "vcard:CATEGORIES": "Kunden,VIP",
    }


def test_photos_are_skipped_in_every_version() -> None:
    text = vcf(
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Weber;Lena;;;",
        "PHOTO;ENCODING=b;TYPE=JPEG:" + photo_lines("")[0],
        *photo_lines(" ")[1:],
        "EMAIL:lena.weber@example.com",
        "END:VCARD",
        "BEGIN:VCARD",
        "VERSION:2.1",
        "N:Becker;Tom",
        "PHOTO;TYPE=JPEG;ENCODING=BASE64:",
        *photo_lines("    "),
        "",
        "X-MS-CARDPICTURE;TYPE=JPEG;ENCODING=BASE64:",
        *photo_lines("    "),
        "",
        "TEL;HOME:+49 221 555",
        "END:VCARD",
        "BEGIN:VCARD",
        "VERSION:4.0",
        "FN:Jana Vogel",
        "PHOTO:data:image/jpeg;base64," + photo_lines("")[0],
        *photo_lines(" ")[1:],
        "END:VCARD",
    )
    assert list(read_vcards(text)) == [
        (1, {"first_name": "Lena", "last_name": "Weber", "email": "lena.weber@example.com"}),
        (len(photo_lines("")) + 6, {"first_name": "Tom", "last_name": "Becker", "phone": "+49 221 555"}),
        (3 * len(photo_lines("")) + 15, {"first_name": "Jana", "last_name": "Vogel"}),
    ]


# Smaller rules.


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"])
def test_any_line_ending_and_blank_lines_between_cards(eol: str) -> None:
    text = vcf(
        "", "BEGIN:VCARD", "FN:Anna Berg", "END:VCARD", "", "  ", "BEGIN:VCARD", "FN:Ole Lund", "END:VCARD", eol=eol
    )
    assert list(read_vcards(text)) == [
        (2, {"first_name": "Anna", "last_name": "Berg"}),
        (7, {"first_name": "Ole", "last_name": "Lund"}),
    ]


def test_names_and_parameters_ignore_case_and_a_byte_order_mark() -> None:
    text = "\ufeff" + vcf(
        "begin:vcard", "n:Berg;Anna", "tel;type=CELL:0170 1", "Email;Type=Pref:a@b.example", "end:VCard"
    )
    assert only_card(text) == {"first_name": "Anna", "last_name": "Berg", "email": "a@b.example", "mobile": "0170 1"}


def test_full_name_is_split_only_when_n_has_no_name() -> None:
    def card(*lines: str) -> dict[str, str]:
        return only_card(vcf("BEGIN:VCARD", *lines, "END:VCARD"))

    assert card("N:;;;Prof.;", "FN:Maria  von Berg") == {
        "first_name": "Maria von",
        "last_name": "Berg",
        "title": "Prof.",
    }
    assert card("FN:Cher") == {"last_name": "Cher"}
    assert card("N:Berg;;;;", "FN:Anna Berg") == {"last_name": "Berg"}
    assert card("FN:Muster GmbH", "ORG:Muster GmbH") == {"company": "Muster GmbH"}


def test_escapes_in_30_and_structured_splitting() -> None:
    text = vcf(
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Berg\\;Tal;Anna\\, Maria;;;",
        "NOTE:a\\\\b\\Nc\\nd\\,e\\;f\\:g\\x",
        "END:VCARD",
    )
    assert only_card(text) == {
        "first_name": "Anna, Maria",
        "last_name": "Berg;Tal",
        "vcard:NOTE": "a\\b\nc\nd,e;f:g\\x",
    }


def test_values_are_nfc_and_empty_values_are_skipped() -> None:
    text = vcf("BEGIN:VCARD", "N:Mu\u0308ller;  ;;;", "EMAIL;TYPE=pref: ", "TITLE:", "NOTE:\\n", "END:VCARD")
    assert only_card(text) == {"last_name": "Müller"}


def test_urls_to_networks_become_profiles_and_repeats_become_extras() -> None:
    text = vcf(
        "BEGIN:VCARD",
        "FN:Anna Berg",
        "URL:linkedin.com/in/anna-berg",
        "URL:https://de.linkedin.com/in/anna-berg-2",
        "URL:https://boxing.com/anna",
        "X-TWITTER:@annaberg",
        "X-SOCIALPROFILE:https://m.facebook.com/anna.berg",
        "X-SOCIALPROFILE;TYPE=instagram:annaberg",
        "URL:https://anna-berg.example",
        "END:VCARD",
    )
    assert only_card(text) == {
        "first_name": "Anna",
        "last_name": "Berg",
        "linkedin": "linkedin.com/in/anna-berg",
        "website": "https://boxing.com/anna",
        "x": "@annaberg",
        "facebook": "https://m.facebook.com/anna.berg",
        "instagram": "annaberg",
        "vcard:URL": "https://de.linkedin.com/in/anna-berg-2; https://anna-berg.example",
    }


def test_phone_skips_fax_and_pager_and_binary_values_are_ignored() -> None:
    text = vcf(
        "BEGIN:VCARD",
        "VERSION:3.0",
        "FN:Anna Berg",
        "TEL;TYPE=fax:+49 30 1",
        "TEL;TYPE=pager:+49 30 2",
        "TEL;TYPE=work:+49 30 3",
        "KEY;ENCODING=b:MIICajCCAdOgAwIBAgICBEUwDQYJKoZIhvcNAQEEBQAwdzELMAkGA1UEBhMCVVMx",
        "END:VCARD",
    )
    assert only_card(text) == {
        "first_name": "Anna",
        "last_name": "Berg",
        "phone": "+49 30 3",
        "vcard:TEL": "+49 30 1; +49 30 2",
    }


def test_line_numbers_count_physical_lines_of_folded_cards() -> None:
    text = vcf("BEGIN:VCARD", "NOTE:lang", " er Text", " noch mehr", "END:VCARD", "BEGIN:VCARD", "FN:B", "END:VCARD")
    assert [line for line, _ in read_vcards(text)] == [1, 6]


# Errors: the physical line, and never the value.

SECRET = "Erika Mustermann"


@pytest.mark.parametrize(
    ("lines", "line", "words"),
    [
        (["BEGIN:VCARD", "VERSION:3.0", "FN:Erika Mustermann", "Erika Mustermann, Köln", "END:VCARD"], 4, "no ':'"),
        (["BEGIN:VCARD", "Erika Mustermann: Kundin", "END:VCARD"], 2, "property name"),
        (["BEGIN:VCARD", "FN:Erika Mustermann", "END:VCARD", "", "END:VCARD"], 5, "without a BEGIN"),
        (["BEGIN:VCARD", "FN:Erika Mustermann", "BEGIN:VCARD", "FN:Max", "END:VCARD"], 3, "starting at line 1"),
        (["", "BEGIN:VCARD", "FN:Erika Mustermann"], 2, "card starting at line 2 has no END:VCARD"),
        (["BEGIN:VCARD", "FN:Erika Mustermann", "END:VCARD", "Erika Mustermann"], 4, "outside a card"),
        (["BEGIN:VCARD", "NOTE;ENCODING=QUOTED-PRINTABLE:Erika=ZMustermann", "END:VCARD"], 2, "NOTE: invalid quoted"),
        (["BEGIN:VCARD", "FN;QUOTED-PRINTABLE:Erika =", "Mustermann=4", "END:VCARD"], 2, "FN: invalid quoted"),
        (["BEGIN:VCARD", "FN;CHARSET=x-klingon;ENCODING=QUOTED-PRINTABLE:Erika M=FCller", "END:VCARD"], 2, "know"),
        (["BEGIN:VCARD", "FN;CHARSET=base64;ENCODING=QUOTED-PRINTABLE:Erika M=FCller", "END:VCARD"], 2, "no text"),
        (["BEGIN:VCARD", "FN;CHARSET=utf-8;ENCODING=QUOTED-PRINTABLE:Erika M=FCller", "END:VCARD"], 2, "not valid"),
        (["BEGIN:VCARD", "FN;ENCODING=QUOTED-PRINTABLE:Erika M=FCller", "END:VCARD"], 2, "not valid"),
    ],
)
def test_errors_name_the_line_not_the_value(lines: list[str], line: int, words: str) -> None:
    error = rejection(vcf(*lines))
    assert error.line == line
    assert words in error.reason
    assert "Erika" not in str(error)
    assert "Mustermann" not in str(error)


@pytest.mark.parametrize("text", ["", "\r\n", "\n  \n\t\n"])
def test_a_file_without_cards_is_rejected(text: str) -> None:
    error = rejection(text)
    assert (error.line, error.reason) == (None, "no vCard found")


# Properties.

TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\r"),
    max_size=40,
).filter(lambda value: value.strip() != "") | st.sampled_from(["Müller", "Jürgen, Dr.; a\\b", "a\nb", "Ö" * 50])
SIMPLE_PROPERTIES = {
    "source_record_id": "UID",
    "birth_date": "BDAY",
    "email": "EMAIL;TYPE=INTERNET",
    "phone": "TEL;TYPE=VOICE",
    "mobile": "TEL;TYPE=CELL",
    "company": "ORG",
    "job_title": "TITLE",
    "gender": "GENDER",
    "language": "LANG",
    "website": "URL",
    "facebook": "X-SOCIALPROFILE;TYPE=facebook",
    "x": "X-SOCIALPROFILE;TYPE=twitter",
    "xing": "X-SOCIALPROFILE;TYPE=xing",
    "linkedin": "X-SOCIALPROFILE;TYPE=linkedin",
    "instagram": "X-SOCIALPROFILE;TYPE=instagram",
    "vcard:NOTE": "NOTE",
    "vcard:NICKNAME": "NICKNAME",
}
NAME_FIELDS = ("first_name", "last_name", "title")
ADDRESS_FIELDS = ("address_extra", "street", "city", "region", "postcode", "country")


def with_plain_website(fields: dict[str, str]) -> dict[str, str]:
    """A website under a host that is no social network, so it stays ``website``."""
    if "website" in fields:
        return fields | {"website": "https://example.org/" + fields["website"]}
    return fields


CARD_FIELDS = st.dictionaries(
    st.sampled_from([*SIMPLE_PROPERTIES, *NAME_FIELDS, *ADDRESS_FIELDS]),
    TEXT,
).map(with_plain_website)


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> list[str]:
    """Fold at 75 octets of UTF-8 without splitting a character, as RFC 2426 asks."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            pieces.append(current)
            current, size = " ", 1
        current += char
        size += width
    return [*pieces, current]


def write_card(fields: dict[str, str]) -> str:
    def get(name: str) -> str:
        return escape(fields.get(name, ""))

    lines = ["BEGIN:VCARD", "VERSION:3.0"]
    lines.append(f"N:{get('last_name')};{get('first_name')};;{get('title')};")
    lines.append("FN:" + escape(" ".join(fields[name] for name in ("first_name", "last_name") if name in fields)))
    lines.extend(f"{prop}:{get(name)}" for name, prop in SIMPLE_PROPERTIES.items() if name in fields)
    if any(name in fields for name in ADDRESS_FIELDS):
        lines.append("ADR;TYPE=HOME:;" + ";".join(get(name) for name in ADDRESS_FIELDS))
    lines.append("END:VCARD")
    return "".join(piece + "\r\n" for line in lines for piece in fold(line))


def cleaned(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


@given(CARD_FIELDS)
def test_written_30_cards_read_back_the_same(fields: dict[str, str]) -> None:
    expected = {name: cleaned(value) for name, value in fields.items() if cleaned(value)}
    text = write_card(fields)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert list(read_vcards(text)) == [(1, expected)]


FRAGMENTS = st.sampled_from(
    [
        "BEGIN:VCARD",
        "END:VCARD",
        "\r\n",
        "\n",
        " ",
        ":",
        ";",
        ",",
        "=",
        "\\",
        '"',
        "=C3",
        "=FC",
        "N",
        "ADR",
        "TEL",
        "URL:",
        "VERSION:2.1",
        "PREF=",
        "TYPE=cell",
        "CHARSET=",
        "latin-1",
        "hex",
        "ENCODING=QUOTED-PRINTABLE",
        "ENCODING=b",
        "VALUE=uri:tel:",
        "x.com/",
        "http://[",
    ]
)


@given(st.text())
def test_reader_raises_only_format_errors_on_any_text(text: str) -> None:
    with contextlib.suppress(FormatError):
        list(read_vcards(text))


@given(st.lists(FRAGMENTS | st.text(max_size=5), max_size=60).map("".join))
def test_reader_raises_only_format_errors_inside_cards(body: str) -> None:
    with contextlib.suppress(FormatError):
        list(read_vcards(f"BEGIN:VCARD\r\n{body}\r\nEND:VCARD\r\n"))


def test_birthday_without_a_year_is_kept_as_an_extra_not_a_birth_date() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada Lovelace\r\nBDAY:--1210\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alan Turing\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-06-23\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\nBDAY:1906-12-09\r\nEND:VCARD\r\n"
    )
    cards = [fields for _, fields in read_vcards(text)]
    assert "birth_date" not in cards[0] and cards[0]["vcard:BDAY"] == "--1210"
    assert "birth_date" not in cards[1] and cards[1]["vcard:BDAY"] == "1604-06-23"
    assert cards[2]["birth_date"] == "1906-12-09"

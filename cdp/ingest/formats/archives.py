"""Reading social networks' archive files and the zip files tools deliver exports in.

Two quirks need more than the JSON reader in ``cdp.ingest.files``:

* Meta's "Download your information" (Facebook, Instagram) writes JSON in
  which every UTF-8 *byte* is escaped as ``\\u00XX``, so after ``json.loads``
  "Müller" reads "MÃ¼ller". ``repair_mojibake`` turns such text back.
* X's archive is not JSON but JavaScript: each file assigns its list to a
  global (``window.YTD.tweets.part0 = [ … ]``), so the prefix is cut off
  before the list is parsed.

``read_social`` turns one such file into a ``Table`` of canonical contact
fields (friends, followers, the account) or of messages (the owner's own
posts, one row for each person a post mentions or tags). ``archive_members``
picks, without extracting anything to disk, the members of a zip delivery
that Kundenbild can read, in the order they must be imported: contacts
before what refers to them. Messages never repeat a value from a file; file
and member names, positions and lines are all they name.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from cdp.errors import N_, FormatError, InvalidValue
from cdp.ingest import values
from cdp.ingest.files import Row, Table, load_json

_YTD = re.compile(r"\s*window\.YTD\.(?P<name>[A-Za-z0-9_]+)\.part[0-9]+\s*=\s*")
# Instagram handles: letters, digits, dots and underscores, not inside an e-mail address.
_IG_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9._]{1,30})")
_MESSAGE_COLUMNS = ["interaction_id", "occurred_at", "type", "channel", "direction", "text"]
_SOCIAL_EXPECTED = N_(
    "not a social-network file Kundenbild reads: expected X's tweets.js or account.js, Facebook's "
    "your_friends.json or your_posts_1.json, or Instagram's followers_1.json or posts_1.json"
)


# Text helpers: JSON may hold anything anywhere, so every access checks the type.


def repair_mojibake(text: str) -> str:
    """``text`` with Meta's byte-wise escaping undone; correct text comes back unchanged.

    Only a string of characters below U+0100 can be such mojibake; its
    Latin-1 bytes then have to be valid UTF-8. "Müller" as Latin-1 bytes is
    not, so it stays.
    """
    if all(ord(ch) < 0x100 for ch in text):
        try:
            return text.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            pass
    return text


def _text(value: object, repair: bool = False) -> str:
    """A string or number as text (Meta's strings repaired when ``repair``); anything else is empty."""
    if isinstance(value, str):
        return (repair_mojibake(value) if repair else value).strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return ""


def _dicts(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _inner(entry: dict, key: str) -> dict:
    """X wraps each record (``{"tweet": {…}}``); older archives do not."""
    inner = entry.get(key, entry)
    return inner if isinstance(inner, dict) else {}


def _name_fields(full_name: str) -> dict[str, str]:
    """First and last name of a display name: the last word is the last name; one word is a first name."""
    words = full_name.split()
    if len(words) < 2:
        return {"first_name": full_name} if full_name else {}
    return {"first_name": " ".join(words[:-1]), "last_name": words[-1]}


def _moment(value: object, number: int) -> str:
    try:
        return values.moment(_text(value))
    except InvalidValue as error:
        raise FormatError(None, N_("entry {number}: {reason}"), number=number, reason=error.message) from None


def _present(fields: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in fields.items() if value}


# Contacts.


def _x_account(data: object) -> list[Row]:
    rows = []
    for number, entry in enumerate(_dicts(data), start=1):
        account = _inner(entry, "account")
        fields = {
            **_name_fields(_text(account.get("accountDisplayName"))),
            "email": _text(account.get("email")),
            "x": _text(account.get("username")).lstrip("@"),
            "source_record_id": _text(account.get("accountId")),
        }
        if _present(fields):
            rows.append((number, _present(fields)))
    return rows


def _facebook_friends(data: object) -> list[Row]:
    friends = data.get("friends_v2", data.get("friends")) if isinstance(data, dict) else None
    rows = []
    for number, friend in enumerate(_dicts(friends), start=1):
        fields = _name_fields(_text(friend.get("name"), repair=True))
        if fields:
            rows.append((number, {**fields, **_connected(friend.get("timestamp"), number)}))
    return rows


def _instagram_followers(data: object) -> list[Row]:
    rows = []
    for number, entry in enumerate(_followers(data), start=1):
        for item in _dicts(entry.get("string_list_data")):
            handle = _text(item.get("value"), repair=True) or _text(item.get("href"))
            if handle:
                rows.append((number, {"instagram": handle, **_connected(item.get("timestamp"), number)}))
                break
    return rows


def _followers(data: object) -> list[dict]:
    """The entries of followers_1.json: a list, or (newer layouts) a list under ``relationships_followers``."""
    if isinstance(data, dict):
        data = data.get("relationships_followers")
    return _dicts(data)


def _connected(timestamp: object, number: int) -> dict[str, str]:
    return {"connected_at": _moment(timestamp, number)} if _text(timestamp) else {}


# Messages: the owner's own posts, a row for each person a post names.


def _message_rows(number: int, post_id: str, base: dict[str, str], people: list[dict[str, str]]) -> Iterator[Row]:
    for position, person in enumerate(people, start=1):
        yield number, _present({"interaction_id": f"{post_id}:{position}", **base, **person})


def _post(channel: str, occurred_at: str, text: str) -> dict[str, str]:
    return {"occurred_at": occurred_at, "type": "post", "channel": channel, "direction": "out", "text": text}


def _x_tweets(data: object) -> list[Row]:
    rows: list[Row] = []
    for number, entry in enumerate(_dicts(data), start=1):
        tweet = _inner(entry, "tweet")
        people = _x_people(tweet)
        if people:
            text = _text(tweet.get("full_text") or tweet.get("text"))
            base = _post("x", _moment(tweet.get("created_at"), number), text)
            post_id = _text(tweet.get("id_str") or tweet.get("id")) or base["occurred_at"]
            rows.extend(_message_rows(number, post_id, base, people))
    return rows


def _x_people(tweet: dict) -> list[dict[str, str]]:
    """Everyone a tweet mentions, then the one it replies to if not mentioned; each handle once."""
    entities = tweet.get("entities")
    mentions = _dicts(entities.get("user_mentions")) if isinstance(entities, dict) else []
    people = [
        _present({"contact_x": _text(m.get("screen_name")).lstrip("@"), "contact_name": _text(m.get("name"))})
        for m in mentions
    ]
    people.append({"contact_x": _text(tweet.get("in_reply_to_screen_name")).lstrip("@")})
    return _unique(people, "contact_x")


def _unique(people: list[dict[str, str]], key: str) -> list[dict[str, str]]:
    """People with a ``key``, each ``key`` (compared without case) once."""
    seen: dict[str, dict[str, str]] = {}
    for person in people:
        if person.get(key):
            seen.setdefault(person[key].casefold(), person)
    return list(seen.values())


def _facebook_posts(data: object) -> list[Row]:
    rows: list[Row] = []
    for number, post in enumerate(_dicts(data), start=1):
        people = _unique([{"contact_name": name} for name in _facebook_tags(post)], "contact_name")
        if people:
            occurred_at = _moment(post.get("timestamp"), number)
            texts = [_text(item.get("post"), repair=True) for item in _dicts(post.get("data"))]
            base = _post("facebook", occurred_at, "\n".join(text for text in texts if text))
            rows.extend(_message_rows(number, _text(post.get("timestamp")), base, people))
    return rows


def _facebook_tags(post: dict) -> list[str]:
    """The names tagged in a post (``tags`` as objects with a name, or as plain names in older layouts)."""
    tags = post.get("tags")
    if not isinstance(tags, list):
        return []
    names = [tag.get("name") if isinstance(tag, dict) else tag for tag in tags]
    return [_text(name, repair=True) for name in names if _text(name)]


def _instagram_posts(data: object) -> list[Row]:
    rows: list[Row] = []
    for number, post in enumerate(_dicts(data), start=1):
        media = _dicts(post.get("media"))
        title = _text(post.get("title"), repair=True) or next(
            (_text(m.get("title"), repair=True) for m in media if _text(m.get("title"))), ""
        )
        handles = [{"contact_instagram": handle.rstrip(".")} for handle in _IG_MENTION.findall(title)]
        people = _unique(handles, "contact_instagram")
        if people:
            timestamp = post.get("creation_timestamp") or next((m.get("creation_timestamp") for m in media), None)
            base = _post("instagram", _moment(timestamp, number), title)
            rows.extend(_message_rows(number, _text(timestamp), base, people))
    return rows


# Choosing the reader.


@dataclass(frozen=True)
class _Reader:
    export: str
    kind: str
    columns: list[str]
    file_name: re.Pattern[str]
    fits: Callable[[object], bool]
    rows: Callable[[object], list[Row]]


def _has_entries_with(key: str, *without: str) -> Callable[[object], bool]:
    def fits(data: object) -> bool:
        return any(key in entry and not any(k in entry for k in without) for entry in _dicts(data))

    return fits


_X_READERS = {
    "account": _Reader(
        "x-account",
        "contacts",
        ["first_name", "last_name", "email", "x", "source_record_id"],
        re.compile(r"account\.js"),
        lambda data: isinstance(data, list),
        _x_account,
    ),
    "tweets": _Reader(
        "x-tweets",
        "messages",
        [*_MESSAGE_COLUMNS, "contact_x", "contact_name"],
        re.compile(r"tweets?(-part[0-9]+)?\.js"),
        lambda data: isinstance(data, list),
        _x_tweets,
    ),
}
_X_READERS["tweet"] = _X_READERS["tweets"]  # archives before 2022 call the file tweet.js

_META_READERS = (
    _Reader(
        "facebook-friends",
        "contacts",
        ["first_name", "last_name", "connected_at"],
        re.compile(r"(your_)?friends\.json"),
        lambda data: isinstance(data, dict) and isinstance(data.get("friends_v2", data.get("friends")), list),
        _facebook_friends,
    ),
    _Reader(
        "instagram-followers",
        "contacts",
        ["instagram", "connected_at"],
        re.compile(r"followers(_[0-9]+)?\.json"),
        lambda data: _has_entries_with("string_list_data")(_followers(data)),
        _instagram_followers,
    ),
    _Reader(
        "instagram-posts",
        "messages",
        [*_MESSAGE_COLUMNS, "contact_instagram"],
        re.compile(r"posts_[0-9]+\.json"),
        _has_entries_with("media"),
        _instagram_posts,
    ),
    _Reader(
        "facebook-posts",
        "messages",
        [*_MESSAGE_COLUMNS, "contact_name"],
        re.compile(r"your_posts.*_[0-9]+\.json"),
        _has_entries_with("timestamp", "media", "string_list_data"),
        _facebook_posts,
    ),
)


def read_social(name: str, text: str) -> Table:
    """The contacts or messages of one file of an X, Facebook or Instagram archive named ``name``."""
    text = text.removeprefix("\ufeff")
    file_name = PurePosixPath(name.replace("\\", "/")).name.lower()
    if file_name.endswith(".js") or text.lstrip().startswith("window."):
        reader, data = _read_x(text)
    else:
        data = _load(text, 0)
        reader = _meta_reader(file_name, data)
    return _table(reader, reader.rows(data))


def _read_x(text: str) -> tuple[_Reader, object]:
    prefix = _YTD.match(text)
    if prefix is None:
        raise FormatError(1, N_("not an X archive file: it must start with 'window.YTD.<name>.part0 = '"))
    reader = _X_READERS.get(prefix["name"])
    if reader is None:
        raise FormatError(None, N_("an X archive file Kundenbild does not read: expected tweets.js or account.js"))
    data = _load(text, prefix.end())
    if not reader.fits(data):
        raise FormatError(None, N_("the X archive file does not hold a list of records after its prefix"))
    return reader, data


def _meta_reader(file_name: str, data: object) -> _Reader:
    """The reader the content fits; for an empty list, the one the file's name says."""
    for reader in _META_READERS:
        if reader.fits(data):
            return reader
    for reader in _META_READERS if data in ([], {}) else ():
        if reader.file_name.fullmatch(file_name):
            return reader
    raise FormatError(None, _SOCIAL_EXPECTED)


def _load(text: str, start: int) -> object:
    """The JSON in ``text`` from offset ``start``; an error names the line and column in the whole file."""
    try:
        return json.loads(text[start:])
    except json.JSONDecodeError as error:
        offset = start + error.pos
        line = text.count("\n", 0, offset) + 1
        column = offset - text.rfind("\n", 0, offset)
        reason = N_("not valid JSON ({error} at column {column})")
        raise FormatError(line, reason, error=error.msg, column=column) from None
    except (RecursionError, ValueError):
        load_json(text[start:])  # raises the FormatError that names the problem
        raise


def _table(reader: _Reader, rows: list[Row]) -> Table:
    for number, fields in rows:
        if any(_has_surrogate(value) for value in fields.values()):
            raise FormatError(
                None,
                N_("entry {number}: a string holds a lone UTF-16 surrogate (such as \\ud800), which is no character"),
                number=number,
            )
    return Table("json", "utf-8", list(reader.columns), rows, canonical=True, export=reader.export, kind=reader.kind)


def _has_surrogate(value: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


# Zip deliveries.

MAX_MEMBERS = 10_000
MAX_TOTAL_SIZE = 2 * 1024**3
MAX_RATIO = 200
MAX_RATIO_SIZE = 100 * 1024**2

# (order, pattern on the member's file name, folder it must be in or None); lower orders are imported first.
_MEMBERS = (
    (0, re.compile(r"connections\.csv"), None),
    (1, re.compile(r"subscribed_members_export_.*\.csv"), None),
    (2, re.compile(r"nonsubscribed_members_export_.*\.csv"), None),
    (3, re.compile(r"unsubscribed_members_export_.*\.csv"), None),
    (4, re.compile(r"cleaned_members_export_.*\.csv"), None),
    (5, re.compile(r"[a-z]+_members_export_.*\.csv"), None),
    (6, re.compile(r"account\.js"), "data"),
    (7, re.compile(r"(your_)?friends\.json"), None),
    (8, re.compile(r"followers_[0-9]+\.json"), None),
    (10, re.compile(r"messages\.csv"), None),
    (11, re.compile(r"tweets?(-part[0-9]+)?\.js"), "data"),
    (12, re.compile(r"your_posts.*_[0-9]+\.json"), None),
    (13, re.compile(r"posts_[0-9]+\.json"), None),
)
LOOKED_FOR = (
    "Connections.csv, messages.csv, *_members_export_*.csv, data/account.js, data/tweets.js, "
    "your_friends.json, followers_1.json, your_posts_1.json, posts_1.json"
)


@dataclass
class ArchiveContents:
    """The members of a zip Kundenbild reads, in import order, and the names of the files it left out."""

    usable: list[tuple[str, bytes]]
    skipped: list[str]


def archive_members(name: str, data: bytes) -> ArchiveContents:
    """The members of the zip archive ``data`` (the file ``name``) that Kundenbild reads, contacts first.

    Nothing is written to disk. Sizes are checked from the archive's directory
    before anything is decompressed, and no member is read beyond its stated size.
    """
    with _open_zip(data) as archive:
        infos = [info for info in archive.infolist() if not _is_noise(info)]
        _check_sizes(infos)
        ranked = [(_rank(info.filename), position, info) for position, info in enumerate(infos)]
        usable = sorted((entry for entry in ranked if entry[0] is not None), key=lambda entry: entry[:2])
        if not usable:
            raise FormatError(
                None, N_("{archive} holds none of the files Kundenbild reads ({files})"), archive=name, files=LOOKED_FOR
            )
        members = [(info.filename, _read_member(archive, info)) for _, _, info in usable]
    return ArchiveContents(members, [info.filename for rank, _, info in ranked if rank is None])


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise FormatError(None, N_("not a readable zip archive")) from None


def _is_noise(info: zipfile.ZipInfo) -> bool:
    """Folders, and the resource forks macOS adds to zips it makes."""
    return info.is_dir() or info.filename.startswith("__MACOSX/") or "/__MACOSX/" in info.filename


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise FormatError(None, N_("the zip archive has more than {limit} files"), limit=f"{MAX_MEMBERS:,}")
    if sum(info.file_size for info in infos) > MAX_TOTAL_SIZE:
        raise FormatError(None, N_("the zip archive unpacks to more than 2 GiB"))
    for info in infos:
        if info.file_size > MAX_RATIO_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FormatError(
                None,
                N_("{member} in the zip archive unpacks to over {ratio} times its packed size (a zip bomb?)"),
                member=info.filename,
                ratio=MAX_RATIO,
            )


def _rank(member: str) -> int | None:
    path = PurePosixPath(member.replace("\\", "/"))
    file_name = path.name.lower()
    for order, pattern, folder in _MEMBERS:
        if pattern.fullmatch(file_name) and folder in (None, path.parent.name.lower()):
            return order
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.flag_bits & 0x1:
        raise FormatError(
            None,
            N_("{member} in the zip archive is encrypted: export it again without a password"),
            member=info.filename,
        )
    try:
        with archive.open(info) as member:
            content = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise FormatError(None, N_("{member} in the zip archive is damaged"), member=info.filename) from None
    if len(content) != info.file_size:
        raise FormatError(None, N_("{member} in the zip archive is damaged"), member=info.filename)
    return content

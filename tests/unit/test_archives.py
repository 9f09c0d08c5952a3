"""Social-network archive files (X, Facebook, Instagram) and zip deliveries, read from the sample exports."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdp import normalise
from cdp.errors import FormatError
from cdp.ingest.files import Table
from cdp.ingest.formats import archives
from cdp.ingest.formats.archives import ArchiveContents, archive_members, read_social, repair_mojibake

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
X_TWEETS = "x/data/tweets.js"
X_ACCOUNT = "x/data/account.js"
FB_FRIENDS = "facebook/connections/friends/your_friends.json"
FB_POSTS = "facebook/your_activity_across_facebook/posts/your_posts__check_ins__photos_and_videos_1.json"
IG_FOLLOWERS = "instagram/connections/followers_and_following/followers_1.json"
IG_POSTS = "instagram/your_instagram_activity/content/posts_1.json"
MAILCHIMP = [
    "mailchimp/cleaned_members_export_4f2b9c1e7a.csv",
    "mailchimp/subscribed_members_export_4f2b9c1e7a.csv",
    "mailchimp/unsubscribed_members_export_4f2b9c1e7a.csv",
]
MESSAGE_REFERENCES = {"contact_x", "contact_instagram", "contact_name"}


def sample(name: str) -> str:
    return (EXPORTS / name).read_text(encoding="utf-8")


def read(name: str) -> Table:
    return read_social(name, sample(name))


def rejection(name: str, text: str) -> FormatError:
    with pytest.raises(FormatError) as caught:
        read_social(name, text)
    return caught.value


def ytd(name: str, records: object) -> str:
    return f"window.YTD.{name}.part0 = " + json.dumps(records, indent=2, separators=(",", " : "))


def zipped(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def fixture_bytes(name: str) -> bytes:
    return (EXPORTS / name).read_bytes()


def archive_rejection(data: bytes, name: str = "export.zip") -> FormatError:
    with pytest.raises(FormatError) as caught:
        archive_members(name, data)
    return caught.value


# Meta's mojibake.


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        ("J\u00c3\u00bcrgen Wei\u00c3\u009f", "Jürgen Weiß"),
        ("Caf\u00c3\u00a9 M\u00c3\u00bcller", "Café Müller"),
        ("Blumen \u00f0\u009f\u008c\u00b7", "Blumen 🌷"),
        ("Mo\u00e2\u0080\u0093Fr", "Mo–Fr"),
    ],
)
def test_mojibake_is_repaired(broken: str, repaired: str) -> None:
    assert repair_mojibake(broken) == repaired


@pytest.mark.parametrize("correct", ["Müller", "Weiß", "Özlem Öztürk", "Straßburger", "Café 🌷", "", "Petra"])
def test_correct_text_is_left_as_it_is(correct: str) -> None:
    assert repair_mojibake(correct) == correct
    assert repair_mojibake(repair_mojibake(correct)) == correct


@given(st.text())
def test_any_text_meta_escaped_byte_by_byte_comes_back(text: str) -> None:
    assert repair_mojibake(text.encode("utf-8", "surrogatepass").decode("latin-1")) == text


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_is_unchanged(text: str) -> None:
    assert repair_mojibake(text) == text


# The sample exports against expected.json.


@pytest.mark.parametrize(
    ("name", "export"),
    [(X_ACCOUNT, "x-account"), (FB_FRIENDS, "facebook-friends"), (IG_FOLLOWERS, "instagram-followers")],
)
def test_contact_files_give_the_expected_people(name: str, export: str) -> None:
    table = read(name)
    expected = EXPECTED[name]
    assert (table.export, table.kind, table.format, table.canonical) == (export, "contacts", "json", True)
    assert len(table.rows) == expected["rows"]
    assert [number for number, _ in table.rows] == list(range(1, expected["rows"] + 1))
    for person in expected["people"]:
        matching = [fields for _, fields in table.rows if _landed(fields).items() >= person["match"].items()]
        assert len(matching) == 1
        assert _landed(matching[0]) | person["fields"] == _landed(matching[0])


def _landed(fields: dict[str, str]) -> dict[str, str]:
    """The fields as the importer normalises the handles."""
    return {name: _reference(value, name) if name in normalise.NETWORKS else value for name, value in fields.items()}


def test_the_x_account_keeps_its_stable_id_and_the_others_have_none() -> None:
    assert read(X_ACCOUNT).rows[0][1]["source_record_id"] == "1122334455"
    for name in (FB_FRIENDS, IG_FOLLOWERS):
        table = read(name)
        assert "source_record_id" not in table.columns
        assert all("source_record_id" not in fields for _, fields in table.rows)


def test_friends_and_followers_keep_when_they_connected() -> None:
    assert read(FB_FRIENDS).rows[0][1]["connected_at"] == "2021-01-01T00:00:00"
    assert read(IG_FOLLOWERS).rows[0][1]["connected_at"] == "2024-03-06T09:15:22"


def test_columns_name_contact_fields_or_declared_extras() -> None:
    from cdp.ingest.fields import CONTACT_FIELDS

    for name in (X_ACCOUNT, FB_FRIENDS, IG_FOLLOWERS):
        table = read(name)
        assert set(table.columns) <= {*CONTACT_FIELDS, "connected_at"}
        assert all(set(fields) <= set(table.columns) for _, fields in table.rows)


@pytest.mark.parametrize(
    ("name", "export", "channel", "reference", "key"),
    [
        (X_TWEETS, "x-tweets", "x", "contact_x", "x"),
        (IG_POSTS, "instagram-posts", "instagram", "contact_instagram", "instagram"),
        (FB_POSTS, "facebook-posts", "facebook", "contact_name", "name"),
    ],
)
def test_posts_link_to_the_expected_people(name: str, export: str, channel: str, reference: str, key: str) -> None:
    table = read(name)
    assert (table.export, table.kind, table.canonical) == (export, "messages", True)
    for _, fields in table.rows:
        assert (fields["type"], fields["channel"], fields["direction"]) == ("post", channel, "out")
        assert fields[reference]
        assert set(fields) <= set(table.columns)
    for link in EXPECTED[name]["links"]:
        wanted = normalise.handle(key, link[key]) if key != "name" else link[key]
        found = [fields for _, fields in table.rows if _reference(fields[reference], key) == wanted]
        assert len(found) == link["messages"]
    assert len(table.rows) == sum(link["messages"] for link in EXPECTED[name]["links"])


def _reference(value: str, key: str) -> str:
    return normalise.handle(key, value) if key != "name" else value


def test_x_posts_carry_handle_name_time_and_text() -> None:
    first, second = (fields for _, fields in read(X_TWEETS).rows)
    assert first == {
        "interaction_id": "1765312345678901234:1",
        "occurred_at": "2024-03-06T09:15:22",
        "type": "post",
        "channel": "x",
        "direction": "out",
        "text": "@juergen_weiss Danke für die schnelle Montage! #Haustechnik",
        "contact_x": "juergen_weiss",
        "contact_name": "Jürgen Weiß",
    }
    assert (second["contact_x"], second["contact_name"]) == ("OezlemOe", "Özlem Öztürk")


def test_meta_posts_are_repaired_and_untagged_posts_give_no_row() -> None:
    ((number, fields),) = read(FB_POSTS).rows
    assert number == 1
    assert fields["contact_name"] == "Jürgen Weiß"
    assert fields["text"] == "Frühstück mit Jürgen Weiß – wie immer großartig!"
    assert fields["interaction_id"] == "1709716522:1"
    assert read(IG_POSTS).rows[1][1]["text"] == "Danke @oezlem.oeztuerk für die Blumen 🌷"


# Mentions, replies and layouts.


def tweet(**fields: object) -> dict:
    return {"tweet": {"id_str": "42", "created_at": "Wed Mar 06 09:15:22 +0000 2024", "full_text": "Hallo", **fields}}


def mention(screen_name: str, name: str = "") -> dict:
    return {"screen_name": screen_name, "name": name, "indices": ["0", "5"]}


def test_a_post_naming_several_people_is_a_row_for_each() -> None:
    text = ytd("tweets", [tweet(entities={"user_mentions": [mention("anna", "Anna A"), mention("bob")]})])
    rows = read_social("tweets.js", text).rows
    assert [(number, fields["interaction_id"], fields["contact_x"]) for number, fields in rows] == [
        (1, "42:1", "anna"),
        (1, "42:2", "bob"),
    ]
    assert "contact_name" not in rows[1][1]


def test_a_reply_links_to_whom_it_answers_once() -> None:
    records = [
        tweet(in_reply_to_screen_name="Carla"),
        tweet(id_str="43", entities={"user_mentions": [mention("carla")]}, in_reply_to_screen_name="Carla"),
        tweet(id_str="44", entities={"user_mentions": []}),
    ]
    rows = read_social("data/tweets.js", ytd("tweets", records)).rows
    assert [(number, fields["interaction_id"], fields["contact_x"]) for number, fields in rows] == [
        (1, "42:1", "Carla"),
        (2, "43:1", "carla"),
    ]


def test_an_older_archive_without_the_record_wrapper_is_read() -> None:
    entities = {"user_mentions": [mention("anna")]}
    records = [{"id": "7", "created_at": "1709716522", "text": "@anna hi", "entities": entities}]
    ((_, fields),) = read_social("tweet.js", ytd("tweet", records)).rows
    assert fields["interaction_id"] == "7:1"
    assert (fields["occurred_at"], fields["text"]) == ("2024-03-06T09:15:22", "@anna hi")


def test_instagram_mentions_are_read_from_the_title_and_not_from_addresses() -> None:
    title = "Mit @anna.b, @Bob_1. und @anna.b - info@example.de"
    posts = [{"media": [{"uri": "a.jpg", "creation_timestamp": 1709716522, "title": title}]}]
    rows = read_social("posts_1.json", json.dumps(posts)).rows
    assert [fields["contact_instagram"] for _, fields in rows] == ["anna.b", "Bob_1"]
    assert [fields["interaction_id"] for _, fields in rows] == ["1709716522:1", "1709716522:2"]


def test_an_instagram_post_of_several_photos_keeps_its_title_on_top() -> None:
    posts = [{"title": "@anna", "creation_timestamp": 1709716522, "media": [{"uri": "a.jpg"}, {"uri": "b.jpg"}]}]
    ((_, fields),) = read_social("posts_1.json", json.dumps(posts)).rows
    assert fields["contact_instagram"] == "anna"


def test_facebook_tags_as_plain_names_and_several_people() -> None:
    posts = [{"timestamp": 1709716522, "data": [{"post": "x"}], "tags": ["Anna A", {"name": "Bob B"}, "Anna A"]}]
    rows = read_social("your_posts_1.json", json.dumps(posts)).rows
    assert [(fields["interaction_id"], fields["contact_name"]) for _, fields in rows] == [
        ("1709716522:1", "Anna A"),
        ("1709716522:2", "Bob B"),
    ]


def test_a_one_word_name_is_a_first_name() -> None:
    friends = {"friends_v2": [{"name": "Cher", "timestamp": 1609459200}, {"name": "", "timestamp": 1}]}
    assert read_social("your_friends.json", json.dumps(friends)).rows == [
        (1, {"first_name": "Cher", "connected_at": "2021-01-01T00:00:00"})
    ]


def test_followers_in_the_newer_layout_and_without_a_value() -> None:
    entry = {"string_list_data": [{"href": "https://www.instagram.com/anna.b", "timestamp": 1709716522}]}
    table = read_social("followers_1.json", json.dumps({"relationships_followers": [entry]}))
    assert table.export == "instagram-followers"
    assert normalise.handle("instagram", table.rows[0][1]["instagram"]) == "anna.b"


@pytest.mark.parametrize(
    ("name", "export"),
    [
        ("posts_1.json", "instagram-posts"),
        ("your_posts_1.json", "facebook-posts"),
        ("followers_1.json", "instagram-followers"),
    ],
)
def test_an_empty_file_is_what_its_name_says(name: str, export: str) -> None:
    table = read_social(name, "[]")
    assert (table.export, table.rows) == (export, [])


def test_an_empty_x_file_has_no_rows() -> None:
    assert read_social("tweets.js", "window.YTD.tweets.part0 = []").rows == []


# What is refused.


def test_unknown_json_names_the_files_expected() -> None:
    error = rejection("something.json", json.dumps({"hello": [1, 2]}))
    assert error.line is None
    assert "your_friends.json" in str(error)
    assert "tweets.js" in str(error)
    assert "followers_1.json" in str(error)


def test_an_empty_list_under_an_unknown_name_is_refused() -> None:
    assert "posts_1.json" in str(rejection("data.json", "[]"))


def test_an_unknown_x_file_is_refused() -> None:
    error = rejection("data/like.js", ytd("like", [{"like": {"tweetId": "1"}}]))
    assert "tweets.js or account.js" in str(error)


def test_a_js_file_without_the_x_prefix_is_refused_on_line_1() -> None:
    error = rejection("tweets.js", "var tweets = [];")
    assert error.line == 1
    assert "window.YTD" in str(error)


def test_an_x_file_whose_prefix_holds_no_list_is_refused() -> None:
    assert "list" in str(rejection("account.js", 'window.YTD.account.part0 = {"a": 1}'))


def test_broken_json_names_the_line_and_column_in_the_file() -> None:
    text = 'window.YTD.tweets.part0 = [\n  {\n    "tweet" : {\n      "id" : 1,,\n    }\n  }\n]'
    error = rejection("tweets.js", text)
    assert error.line == 4
    assert "column 16" in str(error)
    plain = rejection("your_friends.json", '{\n  "friends_v2": [\n    {"name": "A"\n  ]\n}')
    assert plain.line == 4


def test_broken_json_on_the_prefix_line_counts_the_prefix_in_the_column() -> None:
    error = rejection("tweets.js", "window.YTD.tweets.part0 = [}")
    assert (error.line, "column 28" in str(error)) == (1, True)


def test_a_bad_time_names_the_entry_not_the_value() -> None:
    error = rejection("tweets.js", ytd("tweets", [tweet(), tweet(created_at="gestern", in_reply_to_screen_name="a")]))
    assert "entry 2" in str(error)
    assert "gestern" not in str(error)


def test_a_lone_surrogate_is_refused() -> None:
    friends = '{"friends_v2": [{"name": "A \\ud800b", "timestamp": 1609459200}]}'
    assert "surrogate" in str(rejection("your_friends.json", friends))


def test_messages_never_repeat_personal_values() -> None:
    secret = "Geheim Mustermann"
    for name, text in [
        ("x.json", json.dumps({secret: secret})),
        ("tweets.js", ytd(secret.replace(" ", "_"), [])),
        ("tweets.js", ytd("tweets", [tweet(created_at=secret, in_reply_to_screen_name="a")])),
    ]:
        assert "Mustermann" not in str(rejection(name, text))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=30,
)
keys = st.sampled_from(
    [
        "tweet",
        "account",
        "entities",
        "user_mentions",
        "screen_name",
        "name",
        "created_at",
        "in_reply_to_screen_name",
        "friends_v2",
        "timestamp",
        "tags",
        "data",
        "post",
        "media",
        "title",
        "creation_timestamp",
        "string_list_data",
        "value",
        "href",
        "relationships_followers",
    ]
)
shaped_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**14), max_value=10**14)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["@anna hi", "Wed Mar 06 09:15:22 +0000 2024", "1709716522", "Wed Feb 30 09:15:22 +9900 0000"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys | st.text(max_size=5), inner, max_size=5),
    max_leaves=40,
)
names = st.sampled_from(
    [
        "tweets.js",
        "tweet.js",
        "account.js",
        "your_friends.json",
        "your_posts_1.json",
        "followers_1.json",
        "posts_1.json",
        "x",
    ]
)


def _table_or_format_error(name: str, text: str) -> None:
    try:
        table = read_social(name, text)
    except FormatError:
        return
    assert all(isinstance(value, str) for _, fields in table.rows for value in fields.values())


@given(names | st.text(max_size=20), st.text())
def test_any_text_is_a_table_or_a_format_error(name: str, text: str) -> None:
    _table_or_format_error(name, text)


@given(names, json_values | shaped_values, st.sampled_from(["tweets", "tweet", "account", None]))
def test_any_json_in_any_layout_is_a_table_or_a_format_error(name: str, value: object, prefix: str | None) -> None:
    text = json.dumps(value) if prefix is None else ytd(prefix, value)
    _table_or_format_error(name, text)


# Zip deliveries.


def test_a_mailchimp_audience_export_gives_its_three_files_subscribed_first() -> None:
    data = zipped({f"audience_export/{Path(name).name}": fixture_bytes(name) for name in MAILCHIMP})
    contents = archive_members("audience_export.zip", data)
    assert isinstance(contents, ArchiveContents)
    assert [name for name, _ in contents.usable] == [
        "audience_export/subscribed_members_export_4f2b9c1e7a.csv",
        "audience_export/unsubscribed_members_export_4f2b9c1e7a.csv",
        "audience_export/cleaned_members_export_4f2b9c1e7a.csv",
    ]
    assert contents.usable[0][1] == fixture_bytes("mailchimp/subscribed_members_export_4f2b9c1e7a.csv")
    assert contents.skipped == []


def test_an_x_archive_gives_the_account_before_the_tweets_and_lists_the_rest() -> None:
    data = zipped(
        {
            "Your archive.html": b"<html></html>",
            "data/tweets.js": fixture_bytes(X_TWEETS),
            "data/deleted-tweets.js": b"window.YTD.deleted_tweets.part0 = []",
            "data/tweets_media/1.jpg": b"\xff\xd8",
            "data/account.js": fixture_bytes(X_ACCOUNT),
            "assets/js/account.js": b"// the viewer's code, not the data",
        }
    )
    contents = archive_members("twitter-2024-06-01.zip", data)
    assert [name for name, _ in contents.usable] == ["data/account.js", "data/tweets.js"]
    assert contents.skipped == [
        "Your archive.html",
        "data/deleted-tweets.js",
        "data/tweets_media/1.jpg",
        "assets/js/account.js",
    ]
    tables = [read_social(name, content.decode()) for name, content in contents.usable]
    assert [table.export for table in tables] == ["x-account", "x-tweets"]


def test_a_linkedin_export_gives_connections_before_messages() -> None:
    data = zipped(
        {
            "messages.csv": fixture_bytes("linkedin/messages.csv"),
            "Profile.csv": b"First Name,Last Name\nPetra,Inhaber\n",
            "Connections.csv": fixture_bytes("linkedin/Connections.csv"),
            "guide_messages.csv": b"a\n",
        }
    )
    contents = archive_members("Basic_LinkedInDataExport_06-01-2024.zip", data)
    assert [name for name, _ in contents.usable] == ["Connections.csv", "messages.csv"]
    assert sorted(contents.skipped) == ["Profile.csv", "guide_messages.csv"]


def test_meta_downloads_give_friends_and_followers_before_posts() -> None:
    members = {name: fixture_bytes(name) for name in (FB_POSTS, FB_FRIENDS, IG_POSTS, IG_FOLLOWERS)}
    members["facebook/connections/friends/removed_friends.json"] = b'{"deleted_friends_v2": []}'
    contents = archive_members("facebook-petra.zip", zipped(members))
    assert [name for name, _ in contents.usable] == [FB_FRIENDS, IG_FOLLOWERS, FB_POSTS, IG_POSTS]
    assert contents.skipped == ["facebook/connections/friends/removed_friends.json"]


def test_folders_and_macos_resource_forks_are_neither_used_nor_listed() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.mkdir("export")
        archive.writestr("export/Connections.csv", fixture_bytes("linkedin/Connections.csv"))
        archive.writestr("__MACOSX/export/._Connections.csv", b"\x00\x05\x16\x07")
    contents = archive_members("export.zip", buffer.getvalue())
    assert [name for name, _ in contents.usable] == ["export/Connections.csv"]
    assert contents.skipped == []


def test_an_archive_without_known_files_names_what_was_looked_for() -> None:
    error = archive_rejection(zipped({"notes.txt": b"hi", "photo.jpg": b"\xff"}), "stuff.zip")
    assert "stuff.zip" in str(error)
    for looked_for in ("Connections.csv", "_members_export_", "data/tweets.js", "your_friends.json", "posts_1.json"):
        assert looked_for in str(error)


@pytest.mark.parametrize("data", [b"", b"Name,E-Mail\n", b"PK\x03\x04 not really", b"\x00" * 100])
def test_what_is_no_zip_is_refused(data: bytes) -> None:
    assert str(archive_rejection(data)) == "not a readable zip archive"


def test_a_cut_off_zip_is_refused() -> None:
    data = zipped({"Connections.csv": fixture_bytes("linkedin/Connections.csv")})
    assert str(archive_rejection(data[: len(data) // 2])) == "not a readable zip archive"


def test_a_damaged_member_is_refused() -> None:
    original = fixture_bytes("linkedin/Connections.csv")
    data = bytearray(zipped({"Connections.csv": original}, zipfile.ZIP_STORED))
    start = data.index(original[:20])
    data[start + 5] ^= 0xFF
    error = archive_rejection(bytes(data))
    assert "Connections.csv" in str(error)
    assert "damaged" in str(error)


def test_an_encrypted_member_is_refused_before_it_is_read() -> None:
    data = bytearray(zipped({"Connections.csv": b"encrypted bytes"}, zipfile.ZIP_STORED))
    for header, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the "encrypted" flag, where ZipCrypto sets it
        data[data.index(header) + flags_at] |= 0x1
    error = archive_rejection(bytes(data))
    assert "encrypted" in str(error)
    assert "password" in str(error)


def test_more_than_ten_thousand_members_is_refused() -> None:
    data = zipped({f"f{number}.txt": b"" for number in range(archives.MAX_MEMBERS + 1)}, zipfile.ZIP_STORED)
    assert "10,000" in str(archive_rejection(data))


def test_a_total_size_over_the_limit_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    data = zipped({"Connections.csv": b"a" * 600, "messages.csv": b"b" * 600})
    monkeypatch.setattr(archives, "MAX_TOTAL_SIZE", 1000)
    assert "2 GiB" in str(archive_rejection(data))


def test_a_zip_bomb_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    data = zipped({"Connections.csv": b"\x00" * 1_000_000})
    monkeypatch.setattr(archives, "MAX_RATIO_SIZE", 100_000)
    error = archive_rejection(data)
    assert "Connections.csv" in str(error)
    assert "zip bomb" in str(error)


def test_well_compressed_but_small_or_moderate_members_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    zeros = zipped({"Connections.csv": b"\x00" * 1_000_000})
    assert archive_members("a.zip", zeros).usable[0][1] == b"\x00" * 1_000_000
    monkeypatch.setattr(archives, "MAX_RATIO_SIZE", 100_000)
    text = zipped({"Connections.csv": bytes(range(256)) * 1000})
    assert len(archive_members("a.zip", text).usable[0][1]) == 256_000


def test_a_member_longer_than_its_stated_size_is_not_read_beyond_it() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("Connections.csv", b"A" * 100)
    data = bytearray(buffer.getvalue())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # uncompressed size in the central directory
    assert "damaged" in str(archive_rejection(bytes(data)))


@given(st.binary(max_size=2000))
def test_any_bytes_are_contents_or_a_format_error(data: bytes) -> None:
    try:
        contents = archive_members("x.zip", data)
    except FormatError:
        return
    assert contents.usable


SAMPLE_ZIP = zipped(
    {"data/account.js": fixture_bytes(X_ACCOUNT), "Connections.csv": fixture_bytes("linkedin/Connections.csv")}
)


@given(st.lists(st.tuples(st.integers(0, len(SAMPLE_ZIP) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_a_damaged_zip_is_contents_or_a_format_error(changes: list[tuple[int, int]]) -> None:
    data = bytearray(SAMPLE_ZIP)
    for offset, value in changes:
        data[offset] = value
    with contextlib.suppress(FormatError):
        archive_members("x.zip", bytes(data))

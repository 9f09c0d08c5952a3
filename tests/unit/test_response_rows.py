"""Reading a mail tool's report rows never fails on what a file may hold: every row is used or skipped with
its reason, and a file's name says one kind of response or none."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from marketing import responses

MAPPING = {"email": "Email", "time": "Timestamp", "event": "Event"}
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
rows = st.lists(st.fixed_dictionaries({"Email": texts, "Timestamp": texts, "Event": texts}), max_size=8)


@given(rows)
def test_every_row_is_used_or_skipped(values: list[dict[str, str]]) -> None:
    used, skipped = responses._rows(list(enumerate(values, start=2)), MAPPING, None)
    assert len(used) + len(skipped) == len(values)
    for _, email, kind, _ in used:
        assert "@" in email and kind in responses.KINDS


@given(st.lists(texts, min_size=1, max_size=4))
def test_a_name_says_one_kind_or_none(parts: list[str]) -> None:
    assert responses.kind_in_name(Path(*[part or "x" for part in parts])) in (*responses.KINDS, None)


def test_an_event_column_is_read_in_either_language() -> None:
    lines = [(2, {"Email": "a@example.org", "Timestamp": "", "Event": "Geöffnet"}),
             (3, {"Email": "a@example.org", "Timestamp": "10.11.2026 09:14", "Event": "Hard Bounce"})]  # fmt: skip
    used, skipped = responses._rows(lines, MAPPING, None)
    assert [(kind, at) for _, _, kind, at in used] == [("opened", None), ("bounced", "2026-11-10T09:14:00")]
    assert skipped == []

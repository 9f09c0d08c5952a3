"""The import page's choices per column, and the overrides they make for the pipeline."""

from __future__ import annotations

import pytest

from cdp.ingest.mappings import EXTRA, LEAVE_OUT, choices, options, overrides
from cdp.ingest.pipeline import Preview

FIELDS = ("source_record_id", "first_name", "last_name", "email", "company")


def a_preview(mapping: dict[str, str], format_key: str | None = None) -> Preview:
    columns = ["Name", "E-Mail", "Firma", "Notiz", "Intern"]
    return Preview(format_key, None, "contacts", columns, mapping, FIELDS, [])


def test_choices_follow_the_preview_and_fitting_overrides() -> None:
    preview = a_preview({"Name": "full_name", "E-Mail": "email", "Firma": "company", "Intern": ""})
    assert choices(preview) == {"Name": "full_name", "E-Mail": "email", "Firma": "company", "Notiz": EXTRA,
                                "Intern": LEAVE_OUT}  # fmt: skip
    saved = {"Firma": "", "Notiz": "last_name", "Gone": "email", "E-Mail": "no_such_field"}
    assert choices(preview, saved) == {**choices(preview), "Firma": LEAVE_OUT, "Notiz": "last_name"}


def test_only_a_column_that_feeds_nothing_by_itself_may_be_kept_as_extra() -> None:
    preview = a_preview({"Name": "full_name", "E-Mail": "email"})
    assert options(preview, "Notiz")[:2] == [EXTRA, LEAVE_OUT]
    assert EXTRA not in options(preview, "E-Mail")
    assert "full_name" in options(preview, "Name") and "full_name" not in options(preview, "E-Mail")


def test_overrides_are_what_differs_from_the_preview() -> None:
    preview = a_preview({"Name": "full_name", "E-Mail": "email", "Firma": "company"})
    chosen = {**choices(preview), "Firma": LEAVE_OUT, "Notiz": "last_name", "E-Mail": "email"}
    assert overrides(preview, chosen) == {"Firma": "", "Notiz": "last_name"}
    assert overrides(preview, choices(preview)) == {}


@pytest.mark.parametrize(("column", "choice"), [("E-Mail", EXTRA), ("E-Mail", "full_name"), ("Notiz", "nope"),
                                                ("Unknown", "email")])  # fmt: skip
def test_a_choice_the_column_does_not_offer_is_refused(column: str, choice: str) -> None:
    preview = a_preview({"Name": "full_name", "E-Mail": "email"})
    with pytest.raises(ValueError, match="does not offer"):
        overrides(preview, {column: choice})


def test_an_export_that_drops_unmapped_columns_offers_no_extra() -> None:
    preview = a_preview({"E-Mail": "email"}, format_key="datev-debitoren")
    assert choices(preview)["Notiz"] == LEAVE_OUT and EXTRA not in options(preview, "Notiz")
    assert overrides(preview, {"Notiz": LEAVE_OUT}) == {}

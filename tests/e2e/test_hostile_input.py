"""Hostile JSON in API bodies and in JSON Lines files: a clear error, never a 500, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cdp.staff.tokens import create_token
from tests.helpers import count_rows, run_cdp, write_file

HOSTILE = {
    "deeply nested": '{"records": [' + "[" * 100_000 + "]" * 100_000 + "]}",
    "lone surrogate": '{"records": [{"id": "x", "first_name": "\\ud800"}]}',
    "5,000-digit integer": '{"records": [{"id": 1' + "0" * 5000 + ', "first_name": "Anna"}]}',
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_api_refuses_hostile_json_with_a_400(app: Flask, client: FlaskClient, body: str) -> None:
    store = app.extensions["cdp_store"]
    before = count_rows(store, "source_record")
    token = create_token(store, "shop", "admin", actor="test")
    answer = client.post(
        "/api/v1/contacts?source=shop",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"].startswith("The body is not JSON Kundenbild can take:")
    assert count_rows(store, "source_record") == before


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_json_lines_file_with_hostile_json_names_its_line(tmp_path: Path, body: str) -> None:
    data = tmp_path / "data"
    assert run_cdp(data, "init").returncode == 0
    record = body.removeprefix('{"records": [').removesuffix("]}")
    path = write_file(tmp_path / "in", "contacts.jsonl", '{"id": "K1", "first_name": "Anna"}\n' + record + "\n")
    result = run_cdp(data, "import", str(path), "--source", "shop")
    assert result.returncode == 4, result.stderr
    assert "contacts.jsonl, line 2:" in result.stderr and "Nothing was imported." in result.stderr
    assert "unexpected problem" not in result.stderr

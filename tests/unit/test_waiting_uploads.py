"""Uploads waiting between preview and import: bounded, expiring, and only for the session that sent them."""

from __future__ import annotations

from cdp.ingest.pipeline import Preview
from web.uploads import Upload, WaitingUploads


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def an_upload(name: str = "kunden.csv") -> Upload:
    preview = Preview(None, None, "contacts", ["Vorname"], {"Vorname": "first_name"}, ("first_name",), [])
    return Upload(name, b"Vorname\nAnna\n", "webshop", preview)


def test_an_upload_is_handed_back_only_to_its_session() -> None:
    waiting = WaitingUploads()
    token = waiting.keep(an_upload(), "session-a")
    assert waiting.get(token, "session-a").name == "kunden.csv"
    assert waiting.get(token, "session-b") is None
    assert waiting.get("guessed", "session-a") is None


def test_an_upload_expires_after_its_lifetime() -> None:
    clock = Clock()
    waiting = WaitingUploads(lifetime=1800, clock=clock)
    token = waiting.keep(an_upload(), "session-a")
    clock.now += 1799
    assert waiting.get(token, "session-a") is not None
    clock.now += 2
    assert waiting.get(token, "session-a") is None and len(waiting) == 0


def test_the_oldest_upload_makes_room_when_the_capacity_is_reached() -> None:
    clock = Clock()
    waiting = WaitingUploads(capacity=2, clock=clock)
    tokens = []
    for number in range(3):
        clock.now += 1
        tokens.append(waiting.keep(an_upload(f"{number}.csv"), "session-a"))
    assert len(waiting) == 2
    assert waiting.get(tokens[0], "session-a") is None
    assert [waiting.get(token, "session-a").name for token in tokens[1:]] == ["1.csv", "2.csv"]


def test_a_dropped_upload_is_gone() -> None:
    waiting = WaitingUploads()
    token = waiting.keep(an_upload(), "session-a")
    waiting.drop(token)
    assert waiting.get(token, "session-a") is None

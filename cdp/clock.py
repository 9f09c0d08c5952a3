"""Time in one place: UTC, ISO 8601, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> str:
    """The current UTC time as ISO 8601 text, as every table stores it."""
    return datetime.now(UTC).isoformat(timespec="seconds")

"""Statutory deadlines of data-subject requests (Art. 12(3) GDPR).

A request must be answered within one month of receipt; the period may be
extended by two further months where necessary, with the reason recorded.
A month ends on the same day of the following month, or on that month's
last day when it has no such day (31 January → 28 February, or 29 in a
leap year), as Art. 3(2)(c) of Regulation 1182/71 on time limits reads.
"""

from __future__ import annotations

import calendar
from datetime import date

EXTENSION_MONTHS = 2


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due(received_on: date) -> date:
    """The day a request received on ``received_on`` must be answered by."""
    return add_months(received_on, 1)


def extended(received_on: date) -> date:
    """The deadline after the extension by two further months."""
    return add_months(received_on, 1 + EXTENSION_MONTHS)


def urgency(due_on: date, today: date) -> str:
    """``overdue``, ``due_soon`` (within a week) or ``open``, for the DPO inbox."""
    days = (due_on - today).days
    if days < 0:
        return "overdue"
    return "due_soon" if days <= 7 else "open"

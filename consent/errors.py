"""Errors of the consent area, in the one hierarchy of ``cdp.errors``."""

from __future__ import annotations

from cdp.errors import CdpError


class RequestNotReady(CdpError):
    """A data-subject request cannot be carried out yet (no confirmed profile, identity not verified, or closed)."""

    http_status = 409
    exit_code = 9

"""Uploaded files waiting between their preview and their import, in memory only.

An uploaded file holds personal data in plaintext, so it never goes to disk:
the request parses it into memory (``InMemoryRequest``), and between the
preview and the import its bytes wait here, in the server process, under a
random token. The browser cannot fill a file field again by itself, so
keeping the bytes saves the user choosing the file a second time, and only
the token travels in the form. The waiting room is bounded: a file waits at
most ``LIFETIME`` seconds and at most ``CAPACITY`` files wait (the oldest
make room), it is handed back only to the session that uploaded it, and it
is dropped once imported. A restart forgets every waiting file; the user then
uploads it again.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from flask import Request

from cdp.ingest.pipeline import Preview

CAPACITY = 8
LIFETIME = 30 * 60


class InMemoryRequest(Request):
    """A request whose uploaded files are parsed into memory, never into a temporary file.

    Werkzeug spools a file part larger than 500 kB to a temporary file; the
    size of the whole body is bounded by ``MAX_CONTENT_LENGTH`` instead.
    """

    def _get_file_stream(
        self, total_content_length: int | None, content_type: str | None, filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:  # fmt: skip
        return io.BytesIO()


@dataclass
class Upload:
    """A file waiting for its import, and its preview (Kundenbild's own mapping, before any override; none for a
    zip archive, which is imported as delivered)."""

    name: str
    data: bytes
    source: str
    preview: Preview | None
    owner: str = ""
    added_at: float = field(default_factory=time.monotonic)


class WaitingUploads:
    """The uploads waiting for their import, each under a token and for one owner (a session)."""

    def __init__(
        self, capacity: int = CAPACITY, lifetime: float = LIFETIME, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._capacity = capacity
        self._lifetime = lifetime
        self._clock = clock
        self._waiting: dict[str, Upload] = {}
        self._lock = threading.Lock()

    def keep(self, upload: Upload, owner: str) -> str:
        """Keep ``upload`` for ``owner``; the token that fetches it again."""
        token = secrets.token_urlsafe(24)
        upload.owner, upload.added_at = _digest(owner), self._clock()
        with self._lock:
            self._drop_expired()
            while len(self._waiting) >= self._capacity:
                oldest = min(self._waiting, key=lambda key: self._waiting[key].added_at)
                del self._waiting[oldest]
            self._waiting[token] = upload
        return token

    def get(self, token: str, owner: str) -> Upload | None:
        """The upload under ``token`` if ``owner`` left it and it has not expired, else ``None``."""
        with self._lock:
            self._drop_expired()
            upload = self._waiting.get(token)
        if upload is None or not secrets.compare_digest(upload.owner, _digest(owner)):
            return None
        return upload

    def drop(self, token: str) -> None:
        with self._lock:
            self._waiting.pop(token, None)

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired()
            return len(self._waiting)

    def _drop_expired(self) -> None:
        limit = self._clock() - self._lifetime
        for token in [token for token, upload in self._waiting.items() if upload.added_at < limit]:
            del self._waiting[token]


def _digest(owner: str) -> str:
    # The owner is the session token: kept only as a hash, as the sessions table does.
    return hashlib.sha256(owner.encode()).hexdigest()

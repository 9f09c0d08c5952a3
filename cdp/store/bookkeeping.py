"""Small writes a reader must never wait for, written together a moment later by a thread of their own.

Reading a profile writes its audit entry; a session's idle clock moves once
a minute. Committing each of them from the request that caused it made page
views wait for the write lock (for seconds, while an import holds it) and
made every page view an fsync. Instead they are queued here, in memory and
in order (ids and counts only, never personal data), and a background thread
writes everything queued in one unit of work about every quarter second. An
entry keeps the time it happened. ``flush`` writes the queue at once; closing
the store flushes it, so a clean stop loses nothing (a crash loses at most
the last quarter second).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Connection

from cdp.errors import StoreBusy

Work = Callable[[Connection], None]
DELAY_SECONDS = 0.25


class Bookkeeping:
    """A queue of ``Work`` written by ``write_all`` (one unit of work for all of it) from a thread."""

    def __init__(self, write_all: Callable[[list[Work]], None], delay: float = DELAY_SECONDS) -> None:
        self._write_all = write_all
        self._delay = delay
        self._queue: list[Work] = []
        self._changed = threading.Condition()
        self._flushing = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, work: Work) -> None:
        with self._changed:
            self._queue.append(work)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="bookkeeping", daemon=True)
                self._thread.start()
            self._changed.notify()

    def flush(self) -> None:
        """Write everything queued now, waiting for the write lock as any unit of work does."""
        with self._flushing:
            with self._changed:
                pending, self._queue = self._queue, []
            if not pending:
                return
            try:
                self._write_all(pending)
            except BaseException:
                with self._changed:
                    self._queue[:0] = pending
                raise

    def close(self) -> None:
        """Stop the thread and write what is left."""
        with self._changed:
            self._closed = True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join()
        self.flush()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._queue and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
            self._wait(self._delay)
            try:
                self.flush()
            except StoreBusy:
                continue  # kept in the queue; tried again on the next round

    def _wait(self, seconds: float) -> None:
        with self._changed:
            if not self._closed:
                self._changed.wait(seconds)

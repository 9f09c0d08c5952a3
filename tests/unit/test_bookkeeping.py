"""Bookkeeping is written together a moment later, in order, and nothing queued is lost on close."""

from __future__ import annotations

import threading
import time

from cdp.errors import StoreBusy
from cdp.store.bookkeeping import Bookkeeping


class Recorder:
    def __init__(self, busy_times: int = 0) -> None:
        self.batches: list[list[str]] = []
        self.busy_times = busy_times
        self.written = threading.Event()

    def write_all(self, pending: list) -> None:
        if self.busy_times:
            self.busy_times -= 1
            raise StoreBusy("busy")
        self.batches.append([work(None) for work in pending])
        self.written.set()


def test_queued_work_is_written_together_in_order_by_the_thread() -> None:
    recorder = Recorder()
    book = Bookkeeping(recorder.write_all, delay=0.05)
    for name in ("a", "b", "c"):
        book.add(lambda _connection, name=name: name)
    assert recorder.written.wait(5)
    assert recorder.batches == [["a", "b", "c"]]
    book.close()


def test_work_waits_while_the_store_is_busy_and_close_writes_what_is_left() -> None:
    recorder = Recorder(busy_times=2)
    book = Bookkeeping(recorder.write_all, delay=0.01)
    book.add(lambda _connection: "kept")
    deadline = time.monotonic() + 5
    while not recorder.batches and time.monotonic() < deadline:
        time.sleep(0.01)
    assert recorder.batches == [["kept"]]
    book.add(lambda _connection: "last")
    book.close()
    assert [name for batch in recorder.batches for name in batch] == ["kept", "last"]

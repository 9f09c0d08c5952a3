"""Spreading CPU-bound work over the machine's cores, in workers that share nothing.

Normalising a large import and decrypting every record for a batch run are
pure Python, so chunks go to worker processes; data travels through pipes
between processes, never through files.

Workers are started by a fork server, a clean process that has never opened
a store or started a thread: forking a process that holds SQLite connections
or threads is undefined behaviour and crashed at random. A worker that needs
the store opens its own connections (``cdp.store.database.reopen``). Every worker
watches the process that started it and ends as soon as that one is gone, so
a killed import or resolution leaves no worker behind.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from cdp.processes import pid_running

In = TypeVar("In")
Out = TypeVar("Out")

CHUNK = 2000
# Imported once by the fork server, so that each worker starts with them: the core modules whose
# functions workers run (``cdp.records``: ``map_records``'s reading). The module of a function an
# area hands in is loaded by each worker as it unpickles the function; the core names no area's.
PRELOAD = ["cdp.ingest.pipeline", "cdp.ingest.rows", "cdp.records"]


def worker_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A pool of ``workers`` clean processes; ``initializer(*initargs)`` runs in each first."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(), initializer, initargs)
    )


def cores() -> int:
    return os.cpu_count() or 1


def _start_worker(parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    threading.Thread(target=_end_with, args=(parent,), daemon=True, name="parent-watch").start()
    if initializer is not None:
        initializer(*initargs)


def _end_with(parent: int) -> None:
    """End this worker at once when the process that started it has ended."""
    while True:
        time.sleep(0.5)
        if not pid_running(parent):
            os._exit(1)


def map_chunks(
    function: Callable[[Sequence[In]], list[Out]],
    items: Sequence[In],
    progress: Callable[[int], None] | None = None,
    processes: bool = True,
) -> list[Out]:
    """``function`` applied to consecutive chunks of ``items``, results in order.

    Small inputs, a machine with one core, or ``processes=False`` stay in this
    process. ``function`` must be a module-level function (or a partial of one).
    """
    chunks = [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
    workers = min(cores(), len(chunks)) if processes else 1
    results: list[Out] = []
    if workers < 2:
        for chunk in chunks:
            results.extend(function(chunk))
            if progress:
                progress(len(chunk))
        return results
    with worker_pool(workers) as pool:
        for chunk, done in zip(chunks, pool.map(function, chunks), strict=True):
            results.extend(done)
            if progress:
                progress(len(chunk))
    return results


def map_stream(
    function: Callable[[Sequence[In]], list[Out]], chunks: Iterable[Sequence[In]], processes: bool = True
) -> Iterator[tuple[Sequence[In], list[Out]]]:
    """``(chunk, function(chunk))`` for each chunk as it comes, in order, while later chunks are worked on.

    At most two chunks per worker are in flight, so that a long input is
    never held whole; ``processes=False`` or one core stays in this process.
    """
    workers = cores() if processes else 1
    if workers < 2:
        for chunk in chunks:
            yield chunk, function(chunk)
        return
    with worker_pool(workers) as pool:
        pending: list[tuple[Sequence[In], Any]] = []
        for chunk in chunks:
            pending.append((chunk, pool.submit(function, chunk)))
            if len(pending) >= 2 * workers:
                done_chunk, future = pending.pop(0)
                yield done_chunk, future.result()
        for done_chunk, future in pending:
            yield done_chunk, future.result()

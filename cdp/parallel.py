"""Spreading CPU-bound work over the machine's cores.

Normalising a large import is pure Python (phone numbers and email syntax
dominate), so chunks of rows go to forked worker processes. Rows travel
through pipes between processes, never through files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

CHUNK = 2000


def map_chunks(
    function: Callable[[Sequence[In]], list[Out]],
    items: Sequence[In],
    progress: Callable[[int], None] | None = None,
    processes: bool = True,
) -> list[Out]:
    """``function`` applied to consecutive chunks of ``items``, results in order.

    Small inputs, a machine with one core, or ``processes=False`` (required in
    a multi-threaded server, where forking is unsafe) stay in this process.
    """
    chunks = [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
    workers = min(os.cpu_count() or 1, len(chunks)) if processes else 1
    results: list[Out] = []
    if workers < 2:
        for chunk in chunks:
            results.extend(function(chunk))
            if progress:
                progress(len(chunk))
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        for chunk, done in zip(chunks, pool.map(function, chunks), strict=True):
            results.extend(done)
            if progress:
                progress(len(chunk))
    return results

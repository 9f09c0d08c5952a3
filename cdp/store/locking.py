"""Who has the store open: a shared lock for every process using it, an exclusive one for a restore.

Every process that opens the store (``cdp serve``, every command) holds a
shared ``flock`` on the lock file in the data folder for as long as the store
is open. A restore takes the exclusive lock without waiting: while a server
or any other command has the store open it is refused, so no write that was
acknowledged can vanish under a swapped file; and while a restore runs,
nothing else opens the store. The kernel releases a lock when its process
ends, however it ends, so a killed process never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from cdp.config import Paths
from cdp.errors import N_, StoreInUse


def hold_shared(paths: Paths) -> int:
    """Take the shared lock; the descriptor that holds it (close it to let go)."""
    handle = _open(paths)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        raise StoreInUse(
            N_("The store {store} is being restored; try again when the restore has finished."), store=paths.store
        ) from None
    return handle


@contextmanager
def exclusive(paths: Paths) -> Iterator[None]:
    """Hold the store alone for the block, or raise ``StoreInUse`` at once."""
    handle = _open(paths)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreInUse(
                N_(
                    "The store {store} is open in another process (is 'cdp serve' running?); "
                    "stop it before restoring. Nothing was changed."
                ),
                store=paths.store,
            ) from None
        yield
    finally:
        os.close(handle)


def release(handle: int | None) -> None:
    if handle is not None:
        os.close(handle)


def _open(paths: Paths) -> int:
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    return os.open(paths.lock_file, os.O_RDWR | os.O_CREAT, 0o600)

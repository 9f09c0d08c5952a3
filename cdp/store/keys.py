"""The master key: where it comes from and the keys derived from it.

The master key is either a passphrase in ``CDP_KEY`` or a random 256-bit key
in the key file (created with mode 0600 by ``cdp init``). A passphrase goes
through SQLCipher's own PBKDF2-HMAC-SHA512 (256,000 iterations) on each new
connection; a key-file key is used as a raw key, so opening costs nothing.
The store and the key vault get different keys: for a raw key each file's key
is derived with HKDF, for a passphrase each file's own random salt separates
them. Key material is kept out of ``repr`` so it cannot leak into a traceback
or a log line.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cdp.config import Paths, setting
from cdp.errors import N_, ConfigError, KeyMissing

RAW_KEY_BYTES = 32


@dataclass(frozen=True)
class MasterKey:
    """A passphrase or a raw key; never shown in ``repr``."""

    passphrase: str | None = field(default=None, repr=False)
    raw: bytes | None = field(default=None, repr=False)

    def sqlcipher_key(self, purpose: str) -> str:
        """The value for ``PRAGMA key`` of the file that serves ``purpose``."""
        if self.raw is not None:
            return f"x'{derive(self.raw, purpose).hex()}'"
        assert self.passphrase is not None
        return self.passphrase


def derive(raw: bytes, purpose: str) -> bytes:
    """A 256-bit subkey of ``raw`` for one purpose (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"kundenbild:{purpose}".encode())
    return hkdf.derive(raw)


def load_master_key(paths: Paths, environ: dict[str, str] | None = None) -> MasterKey:
    """``CDP_KEY`` if set, else the key file; ``KeyMissing`` if neither."""
    passphrase = setting("CDP_KEY", environ)
    if passphrase:
        return MasterKey(passphrase=passphrase)
    if paths.key_file.exists():
        return MasterKey(raw=read_key_file(paths.key_file))
    raise KeyMissing(
        N_("No key: set CDP_KEY or put a key file at {key_file} (cdp init creates one)."), key_file=paths.key_file
    )


def read_key_file(path: Path) -> bytes:
    """The raw key in ``path``: 64 hex digits on one line."""
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != RAW_KEY_BYTES:
        raise ConfigError(N_("The key file {path} does not hold a 256-bit key (64 hex digits)."), path=path)
    return raw


def create_key_file(path: Path) -> MasterKey:
    """Write a new random key to ``path`` with mode 0600; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = secrets.token_bytes(RAW_KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(raw.hex() + "\n")
    return MasterKey(raw=raw)

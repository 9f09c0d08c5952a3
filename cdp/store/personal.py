"""Personal data: the only code that touches data keys and ciphertext.

Every personal field is sealed with AES-256-GCM under the data key of the
source record it belongs to. The associated data names the table, column and
row, so a ciphertext copied into another row or column fails to open.
Identifiers needed for exact lookup are also kept as keyed hashes
(HMAC-SHA256, truncated to 16 bytes) under a key that lives in the vault, and
search terms as shorter keyed hashes under a key derived from it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cdp.errors import N_, CdpError
from cdp.store.vault import Vault

BLOB_VERSION = b"\x01"
NONCE_BYTES = 12
DIGEST_BYTES = 16
_CACHE_LIMIT = 200_000
# ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` without making an encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class SealBroken(CdpError):
    """A sealed value does not open: tampered with, or moved to another row."""

    http_status = 500
    exit_code = 6


@dataclass(frozen=True)
class Place:
    """Where a sealed value lives; bound into the ciphertext."""

    table: str
    column: str
    row_id: int

    def associated_data(self) -> bytes:
        return f"{self.table}:{self.column}:{self.row_id}".encode()


class PersonalData:
    """Seal, open and hash personal values with keys from the vault."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._hash_key = vault.meta("hmac_key")
        self._search_key = hmac.digest(self._hash_key, b"kundenbild:search", hashlib.sha256)
        # The keyed HMAC and BLAKE2b states are made once and copied per message: the same hashes
        # as ``hmac.digest``/``blake2b(key=...)``, without setting up the key each time.
        self._hash_state = hmac.new(self._hash_key, digestmod=hashlib.sha256)
        self._search_state = hashlib.blake2b(key=self._search_key, digest_size=8)
        self._ciphers: dict[bytes, AESGCM | None] = {}

    def new_keys(self, count: int) -> list[bytes]:
        """Create ``count`` data keys in the vault and return their ids."""
        keys = self.vault.create_keys(count)
        self._remember(keys)
        return list(keys)

    def discard_keys(self, key_ids: Iterable[bytes]) -> None:
        """Delete keys whose records were never written (a unit of work that rolled back)."""
        ids = list(key_ids)
        self.vault.discard_keys(ids)
        for key_id in ids:
            self._ciphers.pop(key_id, None)

    def forget(self, key_ids: Iterable[bytes]) -> None:
        """Drop these keys from memory (they stay in the vault): a batch run
        reading every record does not keep a million keys around."""
        for key_id in key_ids:
            self._ciphers.pop(key_id, None)

    def erase_keys(self, key_ids: Iterable[bytes]) -> int:
        """Destroy keys for good: what they sealed can never be opened again."""
        ids = list(key_ids)
        for key_id in ids:
            self._ciphers[key_id] = None
        return self.vault.destroy_keys(ids)

    def destroyed_keys(self) -> set[bytes]:
        """The ids of every destroyed key."""
        return self.vault.destroyed_ids()

    def preload(self, key_ids: Iterable[bytes]) -> None:
        """Fetch many keys in one go before opening many values."""
        missing = [key_id for key_id in key_ids if key_id not in self._ciphers]
        if missing:
            found = self.vault.keys(missing)
            self._remember(found)
            for key_id in missing:
                self._ciphers.setdefault(key_id, None)

    def seal(self, key_id: bytes, place: Place, value: Any) -> bytes:
        """Encrypt a JSON-serialisable ``value`` for ``place``."""
        cipher = self._cipher(key_id)
        if cipher is None:
            raise SealBroken(N_("A data key that was destroyed cannot seal new data."))
        nonce = secrets.token_bytes(NONCE_BYTES)
        plain = _JSON.encode(value).encode()
        return BLOB_VERSION + nonce + cipher.encrypt(nonce, plain, place.associated_data())

    def open(self, key_id: bytes, place: Place, blob: bytes) -> Any | None:
        """The value sealed in ``blob``, or ``None`` if its key was destroyed."""
        cipher = self._cipher(key_id)
        if cipher is None:
            return None
        if blob[:1] != BLOB_VERSION:
            raise SealBroken(
                N_("The value in {table}.{column} #{row} has an unknown format."),
                table=place.table,
                column=place.column,
                row=place.row_id,
            )
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            plain = cipher.decrypt(nonce, sealed, place.associated_data())
        except InvalidTag:
            raise SealBroken(
                N_("The value in {table}.{column} #{row} does not open: it was altered or moved from another row."),
                table=place.table,
                column=place.column,
                row=place.row_id,
            ) from None
        return json.loads(plain)

    def digest(self, kind: str, value: str) -> bytes:
        """The keyed hash of an identifier, for indexed exact lookup."""
        state = self._hash_state.copy()
        state.update(f"{kind}\x00{value}".encode())
        return state.digest()[:DIGEST_BYTES]

    def search_digest(self, term: str) -> bytes:
        """A short keyed hash of a search term (BLAKE2b, 8 bytes: the index is
        large and a rare collision only adds a result)."""
        state = self._search_state.copy()
        state.update(term.encode())
        return state.digest()

    def _cipher(self, key_id: bytes) -> AESGCM | None:
        cipher = self._ciphers.get(key_id)
        if cipher is None and key_id not in self._ciphers:
            found = self.vault.keys([key_id])
            self._remember(found)
            cipher = self._ciphers.get(key_id)
            if cipher is None:
                self._ciphers[key_id] = None
        return cipher

    def _remember(self, keys: dict[bytes, bytes]) -> None:
        if len(self._ciphers) + len(keys) > _CACHE_LIMIT:
            self._ciphers.clear()
        self._ciphers.update({key_id: AESGCM(key) for key_id, key in keys.items()})

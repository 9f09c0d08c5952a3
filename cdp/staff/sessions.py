"""Server-side sessions of signed-in staff.

Sessions live in the store, only as the hash of their random token: signing
out or disabling an account ends them for good, whatever cookie a browser
still holds.

The functions taking ``tx`` work inside a unit of work their caller opened;
the others are the use cases and open their own.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Row, delete, insert, select, update

from cdp.clock import now
from cdp.staff.accounts import User, secret_hash
from cdp.store.database import Store
from cdp.store.schema import user_account, web_session

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# The idle clock is moved at most this often, so reading pages rarely writes.
TOUCH_INTERVAL = timedelta(seconds=60)


# The store: functions working in the caller's unit of work.


def insert_session(tx: Connection, token_hash: bytes, user_id: int) -> None:
    stamp = now()
    tx.execute(insert(web_session).values(token_hash=token_hash, user_id=user_id, created_at=stamp, last_seen_at=stamp))


def find_session(tx: Connection, token_hash: bytes) -> Row | None:
    """The session with its account's columns, or ``None``."""
    return tx.execute(
        select(web_session, user_account)
        .join(user_account, user_account.c.id == web_session.c.user_id)
        .where(web_session.c.token_hash == token_hash)
    ).first()


def touch_session(tx: Connection, token_hash: bytes, seen: str) -> None:
    tx.execute(update(web_session).where(web_session.c.token_hash == token_hash).values(last_seen_at=seen))


def delete_session(tx: Connection, token_hash: bytes) -> None:
    tx.execute(delete(web_session).where(web_session.c.token_hash == token_hash))


# The use cases: each opens its unit of work.


def start_session(store: Store, user: User) -> str:
    """A new random session token; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with store.write() as tx:
        insert_session(tx, secret_hash(token), user.id)
    return token


def session_user(store: Store, token: str) -> User | None:
    """The signed-in user of a live session.

    Most requests only read; the store is written when a session has expired
    (it is deleted) or its idle clock is due to move (once a minute), never
    making the request wait for the write lock (``Store.write_soon``).
    """
    moment = datetime.now(UTC)
    token_hash = secret_hash(token)
    with store.read() as tx:
        row = find_session(tx, token_hash)
    if row is None:
        return None
    expired = (
        moment - datetime.fromisoformat(row.last_seen_at) > IDLE_TIMEOUT
        or moment - datetime.fromisoformat(row.created_at) > ABSOLUTE_TIMEOUT
        or row.disabled_at is not None
    )
    if expired:
        store.write_soon(lambda tx: delete_session(tx, token_hash))
        return None
    if moment - datetime.fromisoformat(row.last_seen_at) > TOUCH_INTERVAL:
        seen = now()
        store.write_soon(lambda tx: touch_session(tx, token_hash, seen))
    return User(row.user_id, row.name, row.role, row.language, False)


def end_session(store: Store, token: str) -> None:
    with store.write() as tx:
        delete_session(tx, secret_hash(token))

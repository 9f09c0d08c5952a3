"""Staff accounts, their passwords, sign-in limits and server-side sessions.

Passwords are hashed with Argon2id (argon2-cffi's defaults) and rehashed on
sign-in when those defaults grow. Sign-in failures are counted per account
*and address* and per address, so an attacker elsewhere cannot lock a
colleague out. Sessions live in the store: signing out or disabling an
account ends them for good, whatever cookie a browser still holds.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, and_, delete, func, insert, select, update
from zxcvbn import zxcvbn

from cdp import audit
from cdp.clock import now
from cdp.errors import CdpError, NotFound
from cdp.schema import sign_in_attempt, user_account, web_session
from cdp.store import Store

ROLES = ("admin", "dpo", "sales", "marketing")
MIN_PASSWORD = 12
# zxcvbn's score from 0 (guessed at once) to 4; 3 resists an offline attack on a slow hash such as Argon2id.
MIN_STRENGTH = 3
MAX_PASSWORD = 128
FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
FAILURES_PER_ADDRESS = 20
LIMIT_WINDOW = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# The idle clock is moved at most this often, so reading pages rarely writes.
TOUCH_INTERVAL = timedelta(seconds=60)

_hasher = PasswordHasher()
# Verifying against this keeps the time of a sign-in for an unknown name the
# same as for a known one.
_DUMMY_HASH = _hasher.hash("kundenbild-no-such-user")


class AccountError(CdpError):
    """An account cannot be created or changed as asked."""


class SignInFailed(CdpError):
    """Wrong name or password (deliberately not saying which)."""

    http_status = 401


class SignInLimited(CdpError):
    """Too many failed sign-ins from this address; try again later."""

    http_status = 429


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    language: str | None
    disabled: bool


def _user(row) -> User:
    return User(row.id, row.name, row.role, row.language, row.disabled_at is not None)


def check_password_rules(password: str, name: str) -> None:
    """Length and guessability, as ASVS level 2 asks; no composition rules.

    zxcvbn (its word lists ship with it, nothing is looked up online) refuses
    common passwords, keyboard walks, repetitions and passwords made from the
    user's own name.
    """
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters (a phrase of several words is best).")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"A password may have at most {MAX_PASSWORD} characters.")
    if zxcvbn(password, user_inputs=[name, "kundenbild"])["score"] < MIN_STRENGTH:
        raise AccountError(
            "This password is too easy to guess (a common password, a pattern, or made from the user name); "
            "a phrase of several unrelated words is both strong and easy to remember."
        )


def add_user(store: Store, name: str, role: str, password: str, actor: str) -> User:
    """Create an account; the name must be new and the role known."""
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise AccountError("A user name is 1–64 characters without spaces.")
    if role not in ROLES:
        raise AccountError(f"Unknown role '{role}': expected one of {', '.join(ROLES)}.")
    check_password_rules(password, name)
    with store.write() as connection:
        if connection.execute(select(user_account.c.id).where(user_account.c.name == name)).first():
            raise AccountError(f"There is already a user called '{name}'.")
        user_id = connection.execute(
            insert(user_account).values(name=name, role=role, password_hash=_hasher.hash(password), created_at=now())
        ).inserted_primary_key[0]
        audit.record(connection, actor, "user.add", "user", user_id, {"role": role})
    return User(user_id, name, role, None, False)


def list_users(store: Store) -> list[User]:
    with store.read() as connection:
        return [_user(row) for row in connection.execute(select(user_account).order_by(user_account.c.name))]


def disable_user(store: Store, name: str, actor: str) -> None:
    """Disable an account and end all its sessions at once."""
    with store.write() as connection:
        row = connection.execute(select(user_account).where(user_account.c.name == name)).first()
        if row is None:
            raise NotFound(f"There is no user called '{name}'.")
        connection.execute(update(user_account).where(user_account.c.id == row.id).values(disabled_at=now()))
        connection.execute(delete(web_session).where(web_session.c.user_id == row.id))
        audit.record(connection, actor, "user.disable", "user", row.id)


def set_language(store: Store, user_id: int, language: str) -> None:
    with store.write() as connection:
        connection.execute(update(user_account).where(user_account.c.id == user_id).values(language=language))


def sign_in(store: Store, name: str, password: str, address: str) -> User:
    """The user if name and password match and the address is not limited.

    Each attempt is first counted as a failure, in one unit of work with the
    check of the limits, so that concurrent attempts cannot pass the limit
    together: at most the limit's number of passwords is ever checked. The
    slow password check runs outside any transaction; a success then turns its
    attempt into one. Every refusal is audited.
    """
    with store.write() as connection:
        limited = _limited(connection, name, address)
        if limited:
            audit.record(connection, "anonymous", "sign_in.limited")
        else:
            attempt = connection.execute(
                insert(sign_in_attempt).values(at=now(), account=name[:64], address=address, succeeded=False)
            ).inserted_primary_key[0]
            row = connection.execute(select(user_account).where(user_account.c.name == name)).first()
    if limited:
        raise SignInLimited("Too many failed sign-ins. Please wait a few minutes and try again.")
    ok = row is not None and row.disabled_at is None and _safe_verify(row.password_hash, password)
    if row is None or row.disabled_at is not None:
        _safe_verify(_DUMMY_HASH, password)
    with store.write() as connection:
        if ok:
            connection.execute(update(sign_in_attempt).where(sign_in_attempt.c.id == attempt).values(succeeded=True))
            _rehash_if_needed(connection, row, password)
            audit.record(connection, row.name, "sign_in", "user", row.id)
        else:
            audit.record(connection, "anonymous", "sign_in.failed")
    if not ok:
        raise SignInFailed("The user name or the password is wrong.")
    return _user(row)


def _rehash_if_needed(connection: Connection, row, password: str) -> None:
    if _hasher.check_needs_rehash(row.password_hash):
        connection.execute(
            update(user_account).where(user_account.c.id == row.id).values(password_hash=_hasher.hash(password))
        )


def _safe_verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _limited(connection: Connection, name: str, address: str) -> bool:
    since = (datetime.now(UTC) - LIMIT_WINDOW).isoformat(timespec="seconds")
    failures = and_(sign_in_attempt.c.succeeded.is_(False), sign_in_attempt.c.at >= since)
    by_pair = select(func.count()).where(
        failures, sign_in_attempt.c.account == name[:64], sign_in_attempt.c.address == address
    )
    by_address = select(func.count()).where(failures, sign_in_attempt.c.address == address)
    return (
        connection.execute(by_pair).scalar_one() >= FAILURES_PER_ACCOUNT_AND_ADDRESS
        or connection.execute(by_address).scalar_one() >= FAILURES_PER_ADDRESS
    )


def secret_hash(token: str) -> bytes:
    """The stored form of a random 256-bit secret (a session or API token):
    SHA-256 suffices, as there is nothing to guess."""
    return hashlib.sha256(token.encode()).digest()


def start_session(store: Store, user: User) -> str:
    """A new random session token; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    stamp = now()
    with store.write() as connection:
        connection.execute(
            insert(web_session).values(
                token_hash=secret_hash(token), user_id=user.id, created_at=stamp, last_seen_at=stamp
            )
        )
    return token


def session_user(store: Store, token: str) -> User | None:
    """The signed-in user of a live session.

    Most requests only read; the store is written when a session has expired
    (it is deleted) or its idle clock is due to move (once a minute), never
    making the request wait for the write lock (``Store.write_soon``).
    """
    moment = datetime.now(UTC)
    token_hash = secret_hash(token)
    ended = delete(web_session).where(web_session.c.token_hash == token_hash)
    touched = update(web_session).where(web_session.c.token_hash == token_hash)
    with store.read() as connection:
        row = connection.execute(
            select(web_session, user_account)
            .join(user_account, user_account.c.id == web_session.c.user_id)
            .where(web_session.c.token_hash == token_hash)
        ).first()
    if row is None:
        return None
    expired = (
        moment - datetime.fromisoformat(row.last_seen_at) > IDLE_TIMEOUT
        or moment - datetime.fromisoformat(row.created_at) > ABSOLUTE_TIMEOUT
        or row.disabled_at is not None
    )
    if expired:
        store.write_soon(lambda connection: connection.execute(ended))
        return None
    if moment - datetime.fromisoformat(row.last_seen_at) > TOUCH_INTERVAL:
        seen = now()
        store.write_soon(lambda connection: connection.execute(touched.values(last_seen_at=seen)))
    return User(row.user_id, row.name, row.role, row.language, False)


def end_session(store: Store, token: str) -> None:
    with store.write() as connection:
        connection.execute(delete(web_session).where(web_session.c.token_hash == secret_hash(token)))

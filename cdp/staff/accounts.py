"""Staff accounts, their passwords and signing in with them.

Passwords are hashed with Argon2id (argon2-cffi's defaults) and rehashed on
sign-in when those defaults grow. Sign-in failures are counted per account
*and address* and per address, so an attacker elsewhere cannot lock a
colleague out. Disabling an account ends its sessions (``cdp.staff.sessions``)
in the same unit of work.

The functions taking ``tx`` work inside a unit of work their caller opened;
the others are the use cases and open their own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, and_, delete, func, insert, select, update
from zxcvbn import zxcvbn

from cdp import audit
from cdp.clock import now
from cdp.errors import N_, CdpError, NotFound
from cdp.staff.roles import ROLES
from cdp.store.database import Store
from cdp.store.schema import sign_in_attempt, user_account, web_session

MIN_PASSWORD = 12
# zxcvbn's score from 0 (guessed at once) to 4; 3 resists an offline attack on a slow hash such as Argon2id.
MIN_STRENGTH = 3
MAX_PASSWORD = 128
FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
FAILURES_PER_ADDRESS = 20
LIMIT_WINDOW = timedelta(minutes=15)

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


def _user(row: Row) -> User:
    return User(row.id, row.name, row.role, row.language, row.disabled_at is not None)


def check_role(role: str) -> None:
    """Refuse a role that is not one of ``ROLES``."""
    if role not in ROLES:
        raise AccountError(N_("Unknown role '{role}': expected one of {choices}."), role=role, choices=", ".join(ROLES))


def check_password_rules(password: str, name: str) -> None:
    """Length and guessability, as ASVS level 2 asks; no composition rules.

    zxcvbn (its word lists ship with it, nothing is looked up online) refuses
    common passwords, keyboard walks, repetitions and passwords made from the
    user's own name.
    """
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            N_("A password needs at least {minimum} characters (a phrase of several words is best)."),
            minimum=MIN_PASSWORD,
        )
    if len(password) > MAX_PASSWORD:
        raise AccountError(N_("A password may have at most {maximum} characters."), maximum=MAX_PASSWORD)
    if zxcvbn(password, user_inputs=[name, "kundenbild"])["score"] < MIN_STRENGTH:
        raise AccountError(
            N_(
                "This password is too easy to guess (a common password, a pattern, or made from the user name); "
                "a phrase of several unrelated words is both strong and easy to remember."
            )
        )


def secret_hash(token: str) -> bytes:
    """The stored form of a random 256-bit secret (a session or API token):
    SHA-256 suffices, as there is nothing to guess."""
    return hashlib.sha256(token.encode()).digest()


# The store: functions working in the caller's unit of work.


def find_user(tx: Connection, name: str) -> Row | None:
    """The account row called ``name``, disabled or not."""
    return tx.execute(select(user_account).where(user_account.c.name == name)).first()


def insert_user(tx: Connection, name: str, role: str, password_hash: str) -> int:
    return tx.execute(
        insert(user_account).values(name=name, role=role, password_hash=password_hash, created_at=now())
    ).inserted_primary_key[0]


def all_users(tx: Connection) -> list[User]:
    return [_user(row) for row in tx.execute(select(user_account).order_by(user_account.c.name))]


def mark_disabled(tx: Connection, user_id: int) -> None:
    """Disable the account and delete its sessions: a disabled account has none."""
    tx.execute(update(user_account).where(user_account.c.id == user_id).values(disabled_at=now()))
    tx.execute(delete(web_session).where(web_session.c.user_id == user_id))


def save_language(tx: Connection, user_id: int, language: str) -> None:
    tx.execute(update(user_account).where(user_account.c.id == user_id).values(language=language))


def reserve_attempt(tx: Connection, name: str, address: str) -> int:
    """Count a sign-in attempt as failed until ``mark_succeeded`` says otherwise."""
    return tx.execute(
        insert(sign_in_attempt).values(at=now(), account=name[:64], address=address, succeeded=False)
    ).inserted_primary_key[0]


def mark_succeeded(tx: Connection, attempt: int) -> None:
    tx.execute(update(sign_in_attempt).where(sign_in_attempt.c.id == attempt).values(succeeded=True))


def _limited(tx: Connection, name: str, address: str) -> bool:
    since = (datetime.now(UTC) - LIMIT_WINDOW).isoformat(timespec="seconds")
    failures = and_(sign_in_attempt.c.succeeded.is_(False), sign_in_attempt.c.at >= since)
    by_pair = select(func.count()).where(
        failures, sign_in_attempt.c.account == name[:64], sign_in_attempt.c.address == address
    )
    by_address = select(func.count()).where(failures, sign_in_attempt.c.address == address)
    return (
        tx.execute(by_pair).scalar_one() >= FAILURES_PER_ACCOUNT_AND_ADDRESS
        or tx.execute(by_address).scalar_one() >= FAILURES_PER_ADDRESS
    )


def _rehash_if_needed(tx: Connection, row: Row, password: str) -> None:
    if _hasher.check_needs_rehash(row.password_hash):
        tx.execute(update(user_account).where(user_account.c.id == row.id).values(password_hash=_hasher.hash(password)))


# The use cases: each opens its unit of work.


def add_user(store: Store, name: str, role: str, password: str, actor: str) -> User:
    """Create an account; the name must be new and the role known."""
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise AccountError(N_("A user name is 1–64 characters without spaces."))
    check_role(role)
    check_password_rules(password, name)
    password_hash = _hasher.hash(password)
    with store.write() as tx:
        if find_user(tx, name) is not None:
            raise AccountError(N_("There is already a user called '{name}'."), name=name)
        user_id = insert_user(tx, name, role, password_hash)
        audit.record(tx, actor, "user.add", "user", user_id, {"role": role})
    return User(user_id, name, role, None, False)


def list_users(store: Store) -> list[User]:
    with store.read() as tx:
        return all_users(tx)


def disable_user(store: Store, name: str, actor: str) -> None:
    """Disable an account and end all its sessions at once."""
    with store.write() as tx:
        row = find_user(tx, name)
        if row is None:
            raise NotFound(N_("There is no user called '{name}'."), name=name)
        mark_disabled(tx, row.id)
        audit.record(tx, actor, "user.disable", "user", row.id)


def set_language(store: Store, user_id: int, language: str) -> None:
    with store.write() as tx:
        save_language(tx, user_id, language)


def sign_in(store: Store, name: str, password: str, address: str) -> User:
    """The user if name and password match and the address is not limited.

    Each attempt is first counted as a failure, in one unit of work with the
    check of the limits, so that concurrent attempts cannot pass the limit
    together: at most the limit's number of passwords is ever checked. The
    slow password check runs outside any transaction; a success then turns its
    attempt into one in a second unit of work. Every refusal is audited.
    """
    with store.write() as tx:
        limited = _limited(tx, name, address)
        if limited:
            audit.record(tx, "anonymous", "sign_in.limited")
        else:
            attempt = reserve_attempt(tx, name, address)
            row = find_user(tx, name)
    if limited:
        raise SignInLimited(N_("Too many failed sign-ins. Please wait a few minutes and try again."))
    ok = row is not None and row.disabled_at is None and _safe_verify(row.password_hash, password)
    if row is None or row.disabled_at is not None:
        _safe_verify(_DUMMY_HASH, password)
    with store.write() as tx:
        if ok:
            mark_succeeded(tx, attempt)
            _rehash_if_needed(tx, row, password)
            audit.record(tx, row.name, "sign_in", "user", row.id)
        else:
            audit.record(tx, "anonymous", "sign_in.failed")
    if not ok:
        raise SignInFailed(N_("The user name or the password is wrong."))
    return _user(row)


def _safe_verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False

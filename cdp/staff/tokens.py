"""API tokens for integrations such as a web shop pushing customers and orders.

A token is shown once when created; the store keeps only its SHA-256 hash
(a random 256-bit token needs no slow hash).

The functions taking ``tx`` work inside a unit of work their caller opened;
the others are the use cases and open their own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Row, insert, select, update

from cdp import audit
from cdp.clock import now
from cdp.errors import N_, NotFound
from cdp.staff.accounts import AccountError, check_role, secret_hash
from cdp.store.database import Store
from cdp.store.schema import api_token

PREFIX = "kb_"


@dataclass(frozen=True)
class TokenHolder:
    """Who an API request acts as."""

    id: int
    name: str
    role: str
    language: str | None = None


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    role: str
    created_at: str
    revoked_at: str | None


# The store: functions working in the caller's unit of work.


def insert_token(tx: Connection, name: str, role: str, token_hash: bytes) -> int:
    return tx.execute(
        insert(api_token).values(name=name, role=role, token_hash=token_hash, created_at=now())
    ).inserted_primary_key[0]


def find_live_token(tx: Connection, token_hash: bytes) -> Row | None:
    """The unrevoked token with this hash, or ``None``."""
    return tx.execute(
        select(api_token).where(api_token.c.token_hash == token_hash, api_token.c.revoked_at.is_(None))
    ).first()


def all_tokens(tx: Connection) -> list[TokenInfo]:
    rows = tx.execute(select(api_token).order_by(api_token.c.id)).all()
    return [TokenInfo(row.id, row.name, row.role, row.created_at, row.revoked_at) for row in rows]


def mark_revoked(tx: Connection, token_id: int) -> bool:
    """Revoke the token; ``False`` when there is no such token."""
    return bool(tx.execute(update(api_token).where(api_token.c.id == token_id).values(revoked_at=now())).rowcount)


# The use cases: each opens its unit of work.


def create_token(store: Store, name: str, role: str, actor: str) -> str:
    """A new token for ``role``; the only time its value is seen."""
    check_role(role)
    if not name.strip():
        raise AccountError(N_("A token needs a name that says what uses it, such as 'webshop'."))
    token = PREFIX + secrets.token_urlsafe(32)
    with store.write() as tx:
        token_id = insert_token(tx, name.strip(), role, secret_hash(token))
        audit.record(tx, actor, "token.create", "api_token", token_id, {"role": role})
    return token


def holder(store: Store, token: str) -> TokenHolder | None:
    """The holder of a valid, unrevoked token, else ``None``."""
    with store.read() as tx:
        row = find_live_token(tx, secret_hash(token))
    return TokenHolder(row.id, f"token:{row.name}", row.role) if row else None


def list_tokens(store: Store) -> list[TokenInfo]:
    """Every token, revoked ones included, without their values."""
    with store.read() as tx:
        return all_tokens(tx)


def revoke_token(store: Store, token_id: int, actor: str) -> None:
    with store.write() as tx:
        if not mark_revoked(tx, token_id):
            raise NotFound(N_("There is no token {token_id}."), token_id=token_id)
        audit.record(tx, actor, "token.revoke", "api_token", token_id)

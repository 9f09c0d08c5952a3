"""API tokens for integrations such as a web shop pushing customers and orders.

A token is shown once when created; the store keeps only its SHA-256 hash
(a random 256-bit token needs no slow hash).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from cdp import audit
from cdp.accounts import ROLES, AccountError, secret_hash
from cdp.clock import now
from cdp.errors import NotFound
from cdp.schema import api_token
from cdp.store import Store

PREFIX = "kb_"


@dataclass(frozen=True)
class TokenHolder:
    """Who an API request acts as."""

    id: int
    name: str
    role: str
    language: str | None = None


def create_token(store: Store, name: str, role: str, actor: str) -> str:
    """A new token for ``role``; the only time its value is seen."""
    if role not in ROLES:
        raise AccountError(f"Unknown role '{role}': expected one of {', '.join(ROLES)}.")
    if not name.strip():
        raise AccountError("A token needs a name that says what uses it, such as 'webshop'.")
    token = PREFIX + secrets.token_urlsafe(32)
    with store.write() as connection:
        token_id = connection.execute(
            insert(api_token).values(name=name.strip(), role=role, token_hash=_hash(token), created_at=now())
        ).inserted_primary_key[0]
        audit.record(connection, actor, "token.create", "api_token", token_id, {"role": role})
    return token


def holder(store: Store, token: str) -> TokenHolder | None:
    """The holder of a valid, unrevoked token, else ``None``."""
    with store.read() as connection:
        row = connection.execute(
            select(api_token).where(api_token.c.token_hash == _hash(token), api_token.c.revoked_at.is_(None))
        ).first()
    return TokenHolder(row.id, f"token:{row.name}", row.role) if row else None


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    role: str
    created_at: str
    revoked_at: str | None


def list_tokens(store: Store) -> list[TokenInfo]:
    """Every token, revoked ones included, without their values."""
    with store.read() as connection:
        rows = connection.execute(select(api_token).order_by(api_token.c.id)).all()
    return [TokenInfo(row.id, row.name, row.role, row.created_at, row.revoked_at) for row in rows]


def revoke_token(store: Store, token_id: int, actor: str) -> None:
    with store.write() as connection:
        if not connection.execute(
            update(api_token).where(api_token.c.id == token_id).values(revoked_at=now())
        ).rowcount:
            raise NotFound(f"There is no token {token_id}.")
        audit.record(connection, actor, "token.revoke", "api_token", token_id)


def _hash(token: str) -> bytes:
    return secret_hash(token)

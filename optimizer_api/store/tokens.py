"""Queries on API tokens (hashed; the protocol: optimizer_api/service/tokens.py)."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, insert, select, update

from .tables import api_tokens as tokens


def insert_token(
    conn: Connection, owner: str, role: str, token_hash: str, hint: str, now: float
) -> int:
    values = dict(owner=owner, role=role, token_hash=token_hash, hint=hint, created_at=now)
    return conn.execute(insert(tokens).values(**values)).inserted_primary_key[0]


# Read on every request (built once: building them per call was as costly as the read).
_ACTIVE = select(tokens).where(tokens.c.token_hash == bindparam("token_hash"),
                               tokens.c.revoked_at.is_(None))
_ANY_ACTIVE = select(tokens.c.id).where(tokens.c.revoked_at.is_(None)).limit(1)


def active_by_hash(conn: Connection, token_hash: str):
    """The unrevoked token of that hash, or None."""
    return conn.execute(_ACTIVE, {"token_hash": token_hash}).first()


def any_active(conn: Connection) -> bool:
    return conn.execute(_ANY_ACTIVE).first() is not None


def all_tokens(conn: Connection) -> list:
    return conn.execute(select(tokens).order_by(tokens.c.id)).all()


def get_token(conn: Connection, token_id: int):
    return conn.execute(select(tokens).where(tokens.c.id == token_id)).first()


def revoke_token(conn: Connection, token_id: int, now: float) -> None:
    conn.execute(
        update(tokens)
        .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )

"""API tokens: made, listed, revoked (by `optimizer-api token`), and checked per request.

A token is "opt_" and 43 URL-safe characters: 256 random bits from the OS. It is shown
once, at creation; the store keeps its SHA-256. A slow password hash (bcrypt, argon2)
guards secrets people choose, which are guessable; a 256-bit random token is not, so
its SHA-256 is as hard to reverse as the token is to guess, and it can be looked up by an
index on every request at the cost of one hash. The stored digest is compared with
hmac.compare_digest; the index lookup before it can only leak timing about digests,
which tell nothing about any token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from ..domain import Role
from ..errors import InvalidRequest, NotFound
from ..store import Store
from ..store import tokens as sql

PREFIX = "opt_"
_MAX_LENGTH = 200  # anything longer is no token of ours: not even hashed
OWNER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


@dataclass(frozen=True)
class Token:
    """A token as listed: never the token itself, only its first characters (`hint`)."""

    id: int
    owner: str
    role: Role
    hint: str
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True)
class Principal:
    """Who a request's token speaks for, and what it may do."""

    owner: str
    role: Role


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Tokens:
    """The token use cases, each in one transaction."""

    def __init__(self, store: Store, clock: Callable[[], float]):
        self.store = store
        self.clock = clock

    def create(self, owner: str, role: Role) -> tuple[str, Token]:
        """A new token of `owner` with `role`: (the token, shown once; its record).

        Raises:
            InvalidRequest: the owner's name is not 1-100 of letters, digits, . _ @ -
                (starting with a letter or digit).
        """
        if not OWNER_NAME.fullmatch(owner):
            raise InvalidRequest(
                f"owner {owner!r}: 1-100 letters, digits, '.', '_', '@' or '-', "
                "starting with a letter or digit",
                errors={"owner": ["1-100 of A-Z a-z 0-9 . _ @ -"]})
        token = PREFIX + secrets.token_urlsafe(32)
        hint = token[: len(PREFIX) + 4]
        role = Role(role)
        now = self.clock()
        token_id = self.store.run_write(sql.insert_token, owner, role.value, digest(token),
                                        hint, now)
        return token, Token(token_id, owner, role, hint, now, None)

    def list(self) -> list[Token]:
        with self.store.read() as conn:
            return [_token(row) for row in sql.all_tokens(conn)]

    def revoke(self, token_id: int) -> Token:
        """Revoke a token (at once: every request checks); NotFound if no such id."""

        def _revoke(conn):
            if sql.get_token(conn, token_id) is None:
                raise NotFound(f"no token with id {token_id}")
            sql.revoke_token(conn, token_id, self.clock())
            return _token(sql.get_token(conn, token_id))

        return self.store.run_write(_revoke)

    def authenticate(self, token: str) -> Principal | None:
        """Whom an unrevoked token speaks for; None for any other string."""
        if not token.startswith(PREFIX) or len(token) > _MAX_LENGTH:
            return None
        wanted = digest(token)
        with self.store.read() as conn:
            row = sql.active_by_hash(conn, wanted)
        if row is None or not hmac.compare_digest(row.token_hash, wanted):
            return None
        return Principal(row.owner, Role(row.role))

    def any_active(self) -> bool:
        """Whether some unrevoked token exists (then a request without one is refused)."""
        with self.store.read() as conn:
            return sql.any_active(conn)


def _token(row) -> Token:
    return Token(row.id, row.owner, Role(row.role), row.hint, row.created_at, row.revoked_at)

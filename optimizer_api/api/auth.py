"""Who a request to /v1/ acts for, decided here and passed to the service as an Owner.

- `Authorization: Bearer <token>`: the token's owner; a `read` token may only GET, a
  `write` token acts on its owner's studies, an `admin` token on every owner's.
- No token: refused (401) once a token exists, or always with OPTIMIZER_AUTH=on; else
  the service runs open, and the request acts as the admin of owner `default`
  (everything is visible, as before tokens existed). `optimizer-api serve` and the
  gunicorn configuration refuse to start open on an address other hosts reach
  (guard.py), unless OPTIMIZER_AUTH=off says so.
- A token that is given is always checked, open or not: a wrong one is a 401.

Other paths (health, the contract, pages) are public; their data comes from /v1/.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from ..domain import DEFAULT_OWNER, Owner, Role
from ..errors import OptimizerError

REALM = 'Bearer realm="optimizer-api"'
READ_METHODS = ("GET", "HEAD")


class Unauthorized(OptimizerError):
    status = 401
    title = "Unauthorized"

    def __init__(self, detail: str, *, error: str | None = None):
        super().__init__(detail)
        challenge = REALM if error is None else f'{REALM}, error="{error}"'
        self.headers = {"WWW-Authenticate": challenge}


class Forbidden(OptimizerError):
    status = 403
    title = "Forbidden"


def owner() -> Owner:
    """Whom the current request acts for (set before every /v1/ view runs)."""
    return g.optimizer_owner


def init_app(app: Flask) -> None:
    app.before_request(_authenticate)


def _authenticate() -> None:
    if request.url_rule is None or not request.path.startswith("/v1/"):
        return  # public, or no such route: a 404 or 405 says so
    g.optimizer_owner = _owner()


def _owner() -> Owner:
    tokens = current_app.extensions["optimizer"].tokens
    token = _bearer()
    if token is None:
        if _open(tokens):
            return Owner(DEFAULT_OWNER, every_owner=True)
        raise Unauthorized("this service needs a token: send Authorization: Bearer <token>")
    principal = tokens.authenticate(token)
    if principal is None:
        raise Unauthorized("the token is unknown or revoked", error="invalid_token")
    if principal.role is Role.READ and request.method not in READ_METHODS:
        raise Forbidden(f"a read token may only read; {request.method} needs a write token")
    return Owner(principal.owner, every_owner=principal.role is Role.ADMIN)


def _open(tokens) -> bool:
    mode = current_app.config["AUTH"]
    if mode in ("on", "off"):
        return mode == "off"
    return not tokens.any_active()


def _bearer() -> str | None:
    """The request's bearer token; None without an Authorization header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the token as Authorization: Bearer <token>",
                           error="invalid_token")
    return token.strip()

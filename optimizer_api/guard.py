"""The start-up guard: no service runs open on an address that other hosts reach.

With OPTIMIZER_AUTH=auto (the default), a service bound to loopback (or a Unix socket)
with no token runs open, as on a laptop. Bound anywhere else it starts only if a token
exists, and then requires tokens for good (its workers get OPTIMIZER_AUTH=on, so
revoking the last token locks the service rather than opening it). OPTIMIZER_AUTH=off
starts it open anywhere, on purpose; OPTIMIZER_AUTH=on always requires tokens.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from . import config

log = logging.getLogger(__name__)


class RefusedToStart(RuntimeError):
    """Serving would expose the service without authentication."""


def check(binds: Iterable[str]) -> None:
    """Raise RefusedToStart if serving on `binds` would be open to other hosts; set
    OPTIMIZER_AUTH=on for the workers when they must require tokens."""
    mode = config.auth_mode()
    exposed = [b for b in binds if not config.is_loopback(b)]
    if mode == "off":
        if exposed:
            log.warning("serving %s without authentication: OPTIMIZER_AUTH=off",
                        ", ".join(exposed))
        return
    if mode == "on" or not exposed:
        return
    if not _token_exists():
        raise RefusedToStart(
            f"optimizer-api: refusing to serve on {', '.join(exposed)} without "
            "authentication: that address is reachable from other hosts and no API token "
            "exists. Create one with `optimizer-api token create --owner NAME --role admin` "
            "(same OPTIMIZER_DB_URL), or set OPTIMIZER_AUTH=off to serve open on purpose."
        )
    os.environ["OPTIMIZER_AUTH"] = "on"


def _token_exists() -> bool:
    """Whether the store holds an unrevoked token; True when the store cannot tell (the
    service then requires tokens anyway, so nothing is opened; a schema it may not
    migrate stops its workers with what to do)."""
    from .errors import StoreUnavailable
    from .service import Tokens
    from .store import Store
    from .store.migrate import SchemaError

    settings = config.load()
    store = Store(settings["DATABASE_URL"], migrate_at_start=settings["MIGRATE_AT_START"])
    try:
        return Tokens(store, lambda: 0.0).any_active()
    except (StoreUnavailable, SchemaError):
        return True
    finally:
        store.dispose()

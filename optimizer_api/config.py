"""Settings, from defaults, then the environment, then what create_app is given.

Every OPTIMIZER_* variable is read here: the app's settings (`load`) and the server's
(`server`), which `optimizer-api serve` and gunicorn_conf.py both apply.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import cpus

DEFAULT_SQLITE_PATH = "optimizer-api.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# gunicorn's HOST:PORT, HOST or [IPv6]:PORT; anything else (unix:PATH, fd://N) is not split.
_HOST_PORT = re.compile(r"(?P<host>\[[^\]]*\]|[^:\[\]/]*)(?::(?P<port>\d+))?")


def default_database_url() -> str:
    """OPTIMIZER_DB_URL, or a SQLite file in the current directory."""
    url = os.environ.get("OPTIMIZER_DB_URL")
    if url:
        return url
    return "sqlite:///" + str(Path(DEFAULT_SQLITE_PATH).resolve())


def load(overrides: dict | None = None) -> dict:
    config = {
        "DATABASE_URL": default_database_url(),
        "MAX_CONTENT_LENGTH": 1024 * 1024,  # bodies beyond 1 MiB get a 413
        # POST /v1/studies/import only: a whole study (a worker holds it a few times over).
        "IMPORT_MAX_BYTES": _int("OPTIMIZER_IMPORT_MAX_BYTES", 64 * 1024 * 1024),
        # How long a SQLite writer waits for the file before answering 503.
        "BUSY_TIMEOUT_MS": int(os.environ.get("OPTIMIZER_BUSY_TIMEOUT_MS", 10_000)),
        # FULL (default): every stored result survives power loss; NORMAL trades that
        # for speed where fsync is slow (see store/engine.py).
        "SQLITE_SYNCHRONOUS": os.environ.get("OPTIMIZER_SQLITE_SYNCHRONOUS", "FULL").upper(),
        # true: each process brings the schema up to date at start (under a lock, so
        # replicas may start together); false: it refuses an old schema, and
        # `optimizer-api migrate` is a step of the release.
        "MIGRATE_AT_START": flag("OPTIMIZER_MIGRATE_AT_START", True),
        # auto: a token is required once one exists (see api/auth.py); on: always;
        # off: never (a request without a token acts as the admin of owner `default`).
        "AUTH": auth_mode(),
        # Quotas per owner (service/quotas.py); over one is a 422 or a 429 naming it.
        "MAX_RUNNING_TRIALS_PER_STUDY": _int("OPTIMIZER_MAX_RUNNING_TRIALS_PER_STUDY", 1000),
        "MAX_SUGGEST_COUNT": _int("OPTIMIZER_MAX_SUGGEST_COUNT", 100),
        "MAX_STUDIES_PER_OWNER": _int("OPTIMIZER_MAX_STUDIES_PER_OWNER", 1000),
        # A line per answered request (api/telemetry.py); OPTIMIZER_ACCESS_LOG="" turns it off.
        "ACCESS_LOG": bool(os.environ.get("OPTIMIZER_ACCESS_LOG", "-")),
        # Threads per worker: each may hold a store connection.
        "THREADS": server_threads(),
    }
    config.update(overrides or {})
    return config


AUTH_MODES = ("auto", "on", "off")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def flag(name: str, default: bool) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in _TRUE + _FALSE:
        raise ValueError(f"{name} must be true or false, not {value!r}")
    return value in _TRUE


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return int(value)


def auth_mode() -> str:
    """OPTIMIZER_AUTH: auto (default), on or off."""
    mode = os.environ.get("OPTIMIZER_AUTH", "").strip().lower() or "auto"
    if mode not in AUTH_MODES:
        raise ValueError(f"OPTIMIZER_AUTH must be one of {', '.join(AUTH_MODES)}, not {mode!r}")
    return mode


def is_loopback(bind: str) -> bool:
    """Whether gunicorn's bind (HOST:PORT, unix:PATH, fd://N) is reachable from this host
    only: a loopback address, localhost, or a Unix socket."""
    if bind.startswith("unix:"):
        return True
    parts = _HOST_PORT.fullmatch(bind)
    if parts is None:  # fd://N: whatever it is, we cannot tell
        return False
    host = parts["host"].strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name other than localhost may resolve anywhere
        return False


@dataclass(frozen=True)
class Server:
    """What gunicorn is told beyond its fixed settings (those live in gunicorn_conf.py)."""

    bind: str
    workers: int
    timeout: int
    loglevel: str
    threads: int = 16
    header_timeout: float = 10.0
    max_requests: int = 10_000


def server() -> Server:
    """The server's settings, from OPTIMIZER_* or the defaults."""
    env = os.environ.get
    return Server(
        bind=bind_address(),
        # Requests are short and mostly wait on the store: two workers per CPU plus one,
        # counting the CPUs of the container's limit, not the host's cores.
        workers=int(env("OPTIMIZER_WORKERS") or 2 * cpus.available() + 1),
        timeout=int(env("OPTIMIZER_TIMEOUT", 60)),  # a Bayesian suggest at large n
        loglevel=env("OPTIMIZER_LOG_LEVEL", "info"),
        # Threads per worker: how many slow clients a worker can hold before it stops
        # accepting (see worker.py); each waits at most header_timeout for its headers.
        threads=server_threads(),
        header_timeout=float(env("OPTIMIZER_HEADER_TIMEOUT") or 10.0),
        # A worker is replaced after about this many requests, so memory comes back.
        max_requests=int(env("OPTIMIZER_MAX_REQUESTS") or 10_000),
    )


def server_threads() -> int:
    return int(os.environ.get("OPTIMIZER_THREADS") or 16)


def log_format() -> str:
    """OPTIMIZER_LOG_FORMAT: json, text, or auto (text on a terminal, else JSON)."""
    kind = os.environ.get("OPTIMIZER_LOG_FORMAT", "auto").lower()
    return kind if kind in ("json", "text") else "auto"


def bind_address(host: str | None = None, port: int | None = None) -> str:
    """Where the service listens, as gunicorn's bind (HOST:PORT).

    The host and the port each come from the first source that names it: the arguments
    (`--host`, `--port`), OPTIMIZER_HOST and OPTIMIZER_PORT, OPTIMIZER_BIND (HOST:PORT),
    then 127.0.0.1 and 8000. An OPTIMIZER_BIND gunicorn reads but we do not split
    (unix:PATH, fd://N) is used whole unless a host or a port is named elsewhere.
    """
    env = os.environ.get
    bind = env("OPTIMIZER_BIND", "")
    parts = _HOST_PORT.fullmatch(bind)
    host, port = _named(host, env("OPTIMIZER_HOST")), _named(port, env("OPTIMIZER_PORT"))
    if parts is None and host is None and port is None:
        return bind
    bind_host, bind_port = (parts["host"], parts["port"]) if parts else (None, None)
    host = _named(host, bind_host, DEFAULT_HOST)
    port = int(_named(port, bind_port, DEFAULT_PORT))
    return f"{host}:{port}"


def _named(*values):
    """The first value that is given (neither None nor empty), or None."""
    return next((value for value in values if value not in (None, "")), None)

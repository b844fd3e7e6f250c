"""Shared fixtures: apps on temporary SQLite files, the real PostgreSQL, real gunicorn."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from optimizer_api import create_app
from optimizer_api.devserver import Gunicorn

PG_ENV = "OPTIMIZER_TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# -- PostgreSQL ------------------------------------------------------------------------
def _pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    reason = None
    if not url:
        reason = f"{PG_ENV} is not set"
    else:
        import psycopg

        try:
            with psycopg.connect(_libpq(url), connect_timeout=3) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            reason = f"PostgreSQL at {url} does not answer: {exc}"
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)
    return url


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A SQLAlchemy URL whose connections live in a fresh schema, dropped afterwards."""
    import psycopg

    base = _pg_base_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(base), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "store.db")
    return request.getfixturevalue("pg_url")


# -- in-process apps -------------------------------------------------------------------
@pytest.fixture
def app(tmp_path):
    return create_app({"DATABASE_URL": sqlite_url(tmp_path / "app.db")})


@pytest.fixture
def http(app):
    return app.test_client()


# -- real gunicorn -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """The base URL of gunicorn (4 workers) on a temporary SQLite file, for the session."""
    path = tmp_path_factory.mktemp("live") / "live.db"
    with Gunicorn(sqlite_url(path), workers=4) as server:
        yield server.url


@dataclass(frozen=True)
class Secured:
    """A live service that requires tokens, and a token per role of owner `tester`."""

    url: str
    tokens: dict[str, str]

    def auth(self, role: str = "write") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture(scope="session")
def secured_server(tmp_path_factory) -> Iterator[Secured]:
    """gunicorn (2 workers) on a temporary SQLite file with OPTIMIZER_AUTH=on."""
    from optimizer_api.service import Tokens
    from optimizer_api.store import Store

    url = sqlite_url(tmp_path_factory.mktemp("secured") / "secured.db")
    store = Store(url)
    tokens = Tokens(store, time.time)
    made = {role: tokens.create("tester", role)[0] for role in ("read", "write", "admin")}
    store.dispose()
    with Gunicorn(url, workers=2, env={"OPTIMIZER_AUTH": "on"}) as server:
        yield Secured(server.url, made)


@pytest.fixture
def api_client(live_server):
    """The Python client of the session's live server, with quick retries."""
    from optimizer_client import Client

    with Client(live_server, timeout=60, retries=3, backoff=0.05) as client:
        yield client


@pytest.fixture
def gunicorn_factory(tmp_path) -> Iterator:
    """Start gunicorn instances for one test: factory(db_url, workers=...) -> Gunicorn."""
    started: list[Gunicorn] = []

    def start(db_url: str, workers: int = 4, **env: str) -> Gunicorn:
        server = Gunicorn(db_url, workers=workers, log_dir=tmp_path, env=env)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()

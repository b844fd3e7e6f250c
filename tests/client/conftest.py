"""Fixtures for the client tests; the `live_server` fixture comes from tests/conftest.py."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    import optimizer_client  # noqa: F401
except ImportError:  # the client distribution is not installed: use the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "client"))

from optimizer_client import Client  # noqa: E402


@pytest.fixture
def client(live_server: str) -> Iterator[Client]:
    """A client of the session's live gunicorn server, with quick retries."""
    with Client(live_server, timeout=10.0, retries=3, backoff=0.05) as c:
        yield c


@pytest.fixture
def name() -> str:
    """A study name no other test uses (the server lives for the whole session)."""
    return f"client-test-{uuid.uuid4().hex[:12]}"

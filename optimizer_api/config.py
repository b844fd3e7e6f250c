"""Settings, from defaults, then the environment, then what create_app is given."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SQLITE_PATH = "optimizer-api.db"


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
        # How long a SQLite writer waits for the file before answering 503.
        "BUSY_TIMEOUT_MS": int(os.environ.get("OPTIMIZER_BUSY_TIMEOUT_MS", 10_000)),
        # FULL (default): every stored result survives power loss; NORMAL trades that
        # for speed where fsync is slow (see store/engine.py).
        "SQLITE_SYNCHRONOUS": os.environ.get("OPTIMIZER_SQLITE_SYNCHRONOUS", "FULL").upper(),
    }
    config.update(overrides or {})
    return config

"""Persistence: SQLAlchemy Core tables and queries over SQLite or PostgreSQL."""

from . import keys, sql
from .engine import Store

__all__ = ["Store", "keys", "sql"]

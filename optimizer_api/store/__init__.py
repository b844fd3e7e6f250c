"""Persistence: SQLAlchemy Core tables and queries over SQLite or PostgreSQL."""

from . import sql
from .engine import Store

__all__ = ["Store", "sql"]

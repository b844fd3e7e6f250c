"""Alembic migrations of the store's schema (run by store/migrate.py, not by alembic.ini)."""

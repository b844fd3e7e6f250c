"""Alembic's entry point. store/migrate.py hands it an open connection, inside the
transaction and lock it holds; `alembic -x url=...` from a shell builds its own."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from optimizer_api.store import tables

connection = context.config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=tables.metadata)
    with context.begin_transaction():
        context.run_migrations()
else:  # a developer's `alembic revision --autogenerate -x url=sqlite:////tmp/x.db`
    url = context.get_x_argument(as_dictionary=True)["url"]
    with create_engine(url).begin() as conn:
        context.configure(connection=conn, target_metadata=tables.metadata)
        context.run_migrations()

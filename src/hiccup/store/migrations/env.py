"""Alembic environment: runs on the connection Hiccup hands over (see store.database.migrate)."""

from __future__ import annotations

from alembic import context

from hiccup.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `hiccup` (store.database.migrate), not bare alembic")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

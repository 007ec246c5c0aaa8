"""Alembic environment: runs on the connection the ledger hands it."""

from alembic import context
from consent_ledger.adapters.sql import models  # noqa: F401  (registers the tables)
from sqlmodel import SQLModel

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through consent_ledger.adapters.sql.engine.migrate()")
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

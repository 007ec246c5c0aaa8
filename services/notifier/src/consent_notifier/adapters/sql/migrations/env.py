"""Alembic environment of the notifier: its own tables and version table, so it can share a database."""

from alembic import context
from consent_notifier.adapters.sql import models  # noqa: F401  (registers the tables)
from consent_notifier.adapters.sql.engine import VERSION_TABLE
from sqlmodel import SQLModel

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through consent_notifier.adapters.sql.engine.migrate()")


def _ours(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    return type_ != "table" or name.startswith("notifier_")


context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    version_table=VERSION_TABLE,
    include_object=_ours,
)
with context.begin_transaction():
    context.run_migrations()

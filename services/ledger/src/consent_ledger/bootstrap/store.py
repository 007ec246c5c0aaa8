"""The ledger's store from the settings: all a command that reads or writes the database needs, without
the broker, the HTTP API or the consumer (so those commands start at once)."""

from __future__ import annotations

from ..adapters.sql.engine import in_memory, ledger_exists, make_engine, make_read_engine, migrate
from ..adapters.sql.store import SqlLedgerStore
from ..adapters.sql.urls import shown
from ..config import Settings
from ..errors import NoLedger

__all__ = ["build_store"]


def build_store(settings: Settings, run_migrations: bool = True) -> SqlLedgerStore:
    """The ledger's store; a new one is created only where `settings.create_ledger` (`up`, `consume`)."""
    url = settings.resolved_database_url()
    if not settings.create_ledger and not in_memory(url) and not ledger_exists(url):
        raise NoLedger(f"no ledger at {shown(url)}; start one with `consent-ledger up`, or set LEDGER_HOME")
    engine = make_engine(url)
    if run_migrations:
        migrate(engine)
    return SqlLedgerStore(engine, None if in_memory(url) else make_read_engine(url))

"""The database's errors as the ledger's family, mapped once, here (`translated`), by what the caller
does next: another writer's contention is retried at once (WriteContention), an outage leaves the
work pending (DatabaseUnavailable); anything else is the data's doing (not translated), and the
ingest splits a batch to find the entry that fails alone (app/ingest.py holds that policy).

Two of them never blame an entry, however often it is delivered: a database out of reach
(DatabaseUnreachable) and a lock another writer holds (LockContention)."""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
    ResourceClosedError,
)
from sqlalchemy.exc import TimeoutError as SATimeoutError

from ...core.errors import Contention, LedgerError, Locked, Unavailable, Unreachable

__all__ = [
    "DatabaseUnavailable",
    "DatabaseUnreachable",
    "LockContention",
    "WriteContention",
    "translated",
]


# Failures to reach or keep the database, as opposed to a statement it refused.
_CONNECTION_TROUBLE = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    SATimeoutError,
    PendingRollbackError,
    ResourceClosedError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    OSError,
)


def _connection_trouble(exc: BaseException) -> bool:
    """A failure to reach or keep the database, as opposed to a statement it refused."""
    return isinstance(exc, _CONNECTION_TROUBLE)


def _database_error(exc: BaseException) -> bool:
    """An error of the database's, not of the data's type (a DataError is the data's). Errors raised
    by the driver itself (its COPY, a pipeline) are not wrapped by SQLAlchemy, hence psycopg.Error."""
    if isinstance(exc, DataError | psycopg.DataError):
        return False
    return _connection_trouble(exc) or isinstance(exc, DBAPIError | psycopg.Error)


_LOCK_STATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_KEY_STATES = frozenset({"23505"})  # unique key


def _state(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(exc, "sqlstate", None) or getattr(orig, "sqlstate", None)


def _locked(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    return _state(exc) in _LOCK_STATES or "database is locked" in str(orig or exc)


def _duplicate_key(exc: BaseException) -> bool:
    """Another writer wrote the same key first. The bulk rows go by the driver's own COPY
    (sql/bulk.py), whose errors SQLAlchemy does not wrap: e.g. two replicas starting the same new
    chain at once, where one finds the other's entry 0."""
    return isinstance(exc, IntegrityError | psycopg.IntegrityError) or _state(exc) in _KEY_STATES


class DatabaseUnavailable(Unavailable):
    """The database does not do what was asked, for a reason not of the data (a statement it
    refused of its own accord): leave the work pending and try again later."""

    reason = "database-unavailable"


class DatabaseUnreachable(DatabaseUnavailable, Unreachable):
    """The database cannot be reached or kept (down, restarting, out of connections): no entry is
    ever blamed for it."""


class WriteContention(Contention):
    """Another writer got there first (the same key): try again at once."""

    reason = "write-contention"


class LockContention(WriteContention, Locked):
    """Another writer holds a lock this one needs (a serialization failure, a deadlock, SQLite's
    "database is locked"): try again at once; no entry is ever blamed for it."""


def translated(exc: BaseException) -> LedgerError | None:
    """A driver's or SQLAlchemy's error as the ledger's family; None for anything else (a refusal of
    the data, a bug), which is raised as it is."""
    if isinstance(exc, LedgerError):
        return exc
    if not _database_error(exc):
        return None
    if _locked(exc):
        return LockContention("another writer holds a lock; try again")
    if _duplicate_key(exc):
        return WriteContention("another writer wrote the same rows first; try again")
    if _connection_trouble(exc):
        return DatabaseUnreachable("the database does not answer; try again")
    return DatabaseUnavailable("the database refused the statement; try again")

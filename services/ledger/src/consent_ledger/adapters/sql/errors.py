"""Which database errors are whose: an outage or another writer's contention (the batch is
retried whole) against a refusal of the data (the batch is split to find the entry that fails
alone)."""

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

from ...core.errors import Conflict, LedgerError, Unavailable

__all__ = [
    "DatabaseUnavailable",
    "WriteContention",
    "connection_trouble",
    "is_contention",
    "is_outage",
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


def connection_trouble(exc: BaseException) -> bool:
    """A failure to reach or keep the database, as opposed to a statement it refused."""
    return isinstance(exc, _CONNECTION_TROUBLE)


def is_outage(exc: BaseException) -> bool:
    """Whether an append failed because the database could not be used (down, locked, a replica's
    concurrent write): then the batch is retried whole. Anything else is the data's doing, and the
    batch is split to find the entry that fails alone. Errors raised by the driver itself (e.g. from
    a pipeline) are not wrapped by SQLAlchemy, hence psycopg.Error."""
    if isinstance(exc, DataError | psycopg.DataError):
        return False
    return connection_trouble(exc) or isinstance(exc, DBAPIError | psycopg.Error)


_CONTENTION_STATES = frozenset({"40001", "40P01", "23505"})  # serialization, deadlock, unique key


def is_contention(exc: BaseException) -> bool:
    """Whether the database refused the write because another writer got there first. The bulk rows
    go by the driver's own COPY (sql_bulk), whose errors SQLAlchemy does not wrap: e.g. two replicas
    starting the same new chain at once, where one finds the other's entry 0."""
    if isinstance(exc, IntegrityError | psycopg.IntegrityError):
        return True
    orig = getattr(exc, "orig", None)
    state = getattr(exc, "sqlstate", None) or getattr(orig, "sqlstate", None)
    return state in _CONTENTION_STATES or "database is locked" in str(orig or "")


class DatabaseUnavailable(Unavailable):
    """The database does not answer (an outage): leave the work pending and try again."""

    reason = "database-unavailable"


class WriteContention(Conflict):
    """Another writer holds what this one needs (a lock, a serialization failure): retry whole."""

    reason = "write-contention"


def translated(exc: BaseException) -> LedgerError | None:
    """A driver's or SQLAlchemy's error as the ledger's family, once, here: an outage is
    Unavailable, another writer's contention a Conflict; anything else (a refusal of the data, a
    bug) is not translated."""
    if isinstance(exc, LedgerError):
        return exc
    if is_outage(exc):
        return DatabaseUnavailable("the database does not answer; try again")
    if is_contention(exc):
        return WriteContention("another writer holds the rows; try again")
    return None

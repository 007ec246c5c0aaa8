"""Rows written in bulk: binary COPY on PostgreSQL, one executemany on SQLite; upserts through one
ON CONFLICT clause for both; lists of values as one parameter."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, String, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from .tables import (
    CHUNK,
)

__all__ = [
    "chunks",
    "member_of",
    "driver_connection",
    "copy_types",
    "copy_rows",
    "insert_rows",
    "upsert_rows",
    "insert_statement",
    "vars_of",
]


def chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def member_of(conn: Connection, column: Any, values: Iterable[str]) -> Iterator[Any]:
    """`column` among `values`, as conditions to query one after another. On PostgreSQL one
    `column = ANY(:array)`: a single parameter, so the statement is the same text whatever the batch
    (SQLAlchemy's and psycopg's caches hold it; an IN list of 500 placeholders was rendered and
    parsed anew for every batch); the connection's settings keep it on the index. On SQLite IN lists
    of at most CHUNK."""
    items = list(values)
    if not items:
        return
    if conn.dialect.name == "postgresql":
        yield column == any_(bindparam(None, items, type_=postgresql.ARRAY(String)))
        return
    for chunk in chunks(items):
        yield column.in_(chunk)


def driver_connection(conn: Connection) -> Any:
    """The driver's own connection under a SQLAlchemy one (psycopg's, for COPY)."""
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection is closed")
    return raw


_COPY_TYPES = {"INTEGER": "int4", "BIGINT": "int8", "BLOB": "bytea", "BYTEA": "bytea"}


_copy_types: dict[tuple[str, tuple[str, ...]], list[str]] = {}  # per table and columns, made once


def copy_types(conn: Connection, table: Any, names: tuple[str, ...]) -> list[str]:
    key = (table.name, names)
    if key not in _copy_types:
        compiled = (str(table.c[n].type.compile(conn.dialect)).upper() for n in names)
        _copy_types[key] = [_COPY_TYPES.get(t, "text") for t in compiled]  # VARCHAR(n), TEXT: text
    return _copy_types[key]


def copy_rows(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """The rows into `table` by one binary COPY on the transaction's own connection (PostgreSQL): the
    bulk of every append, several times cheaper than a parameter set per row. A refused row fails the
    whole COPY, as a refused INSERT fails the batch."""
    if not rows:
        return
    names = tuple(rows[0])
    types = copy_types(conn, table, names)
    raw = driver_connection(conn)
    columns = ", ".join(names)
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row([row[n] for n in names])


def insert_rows(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Plain inserts of a batch's rows: binary COPY on PostgreSQL, one executemany on SQLite."""
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table, rows)
    elif rows:
        conn.execute(table.insert(), rows)


def upsert_rows(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]], conflict: str) -> None:
    """The rows into `table`, ON CONFLICT `conflict` (the same clause on both databases). On
    PostgreSQL one INSERT ... SELECT FROM unnest(one array per column): one statement for the batch,
    where a parameter set per row cost a statement each (issue 16: a batch of new subjects appended
    at a third of the rate of known ones); on SQLite one executemany. The rows must not repeat a
    key: one statement cannot change a row twice."""
    if not rows:
        return
    names = tuple(rows[0])
    head = f"INSERT INTO {table.name} ({', '.join(names)})"
    if conn.dialect.name != "postgresql":
        marks = ", ".join("?" * len(names))
        conn.exec_driver_sql(
            f"{head} VALUES ({marks}) ON CONFLICT {conflict}", [tuple(r[n] for n in names) for r in rows]
        )
        return
    arrays = ", ".join(f"%s::{t}[]" for t in copy_types(conn, table, names))
    with driver_connection(conn).cursor() as cur:
        cur.execute(
            f"{head} SELECT * FROM unnest({arrays}) ON CONFLICT {conflict}",
            [[r[n] for r in rows] for n in names],
        )


def insert_statement(conn: Connection, table: Any) -> Any:
    """INSERT with ON CONFLICT, in the connection's dialect."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def vars_of(row: Any) -> dict[str, Any]:
    """A slotted row (app.ports) as the mapping of its columns."""
    return {s: getattr(row, s) for s in row.__slots__}

"""Engine creation and migrations: SQLite (WAL, synchronous FULL) or PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ledger_contracts.files import private_file
from sqlalchemy import Engine, create_engine, event, inspect, text

from .urls import INDEX_PATHS_OPTIONS, in_memory, normalise_url, sqlite_path

__all__ = [
    "INDEX_PATHS_OPTIONS",
    "in_memory",
    "make_engine",
    "make_read_engine",
    "migrate",
    "normalise_url",
    "sqlite_path",
]

log = logging.getLogger("consent_ledger.migrations")

MIGRATIONS = Path(__file__).with_name("migrations")


MIGRATION_LOCK = 0x6C65646765720001  # "ledger" + 1: the advisory lock migrations run under


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            private_file(Path(path))  # the ledger, its WAL and shared memory: the owner's only
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # durable at commit, before the broker ack
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA secure_delete=ON")  # a deleted key's bytes are zeroed (invariant 14)
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # one writer: take the lock up front

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_read_engine(url: str, **kwargs: Any) -> Engine:
    """A second pool for the hot read paths (consent questions): every statement in autocommit, so
    one round trip per query and no write lock on SQLite. No pre-ping: a read that meets a dropped
    connection is retried once by the store (SQLAlchemy invalidates the pool on a disconnect)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _: Any) -> None:
            dbapi_conn.isolation_level = None  # each SELECT is its own snapshot
            dbapi_conn.execute("PRAGMA busy_timeout=30000")

        return engine
    return create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,
        connect_args={"options": INDEX_PATHS_OPTIONS},
        **kwargs,
    )


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision. A database a newer release has migrated
    already (its revision unknown here) is used as it is: migrations only add, so a replica or a
    command of the previous release keeps working during a rolling upgrade (issue 29 item 8)."""
    from alembic import command  # here: the commands that only read start without Alembic
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    known = {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # replicas starting together: one migrates, the others wait here and then find it done
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        if inspect(conn).has_table("alembic_version"):
            current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
            newer = sorted(current - known)
            if newer:
                log.warning(
                    "the database is at revision %s, newer than this release knows: used as it is "
                    "(migrations only add; upgrade this process)",
                    ", ".join(newer),
                )
                return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def ledger_exists(url: str) -> bool:
    """Whether the database holds a ledger (its schema version), without creating anything: a SQLite
    file that is not there is not opened (nor its folder made), since that would create it."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if not path or path == ":memory:" or not Path(path).is_file():
            return False
    engine = create_engine(url)
    try:
        return inspect(engine).has_table("alembic_version")
    finally:
        engine.dispose()

"""The notifier's database: SQLite (WAL, one writer at a time) or PostgreSQL, and its migrations."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from ledger_contracts.files import private_file
from sqlalchemy import Engine, create_engine, event, inspect, text

__all__ = ["make_engine", "migrate", "private_file"]

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        private_file(Path(path))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # read-then-write use cases take the lock up front

    return engine


VERSION_TABLE = "notifier_alembic_version"  # as migrations/env.py names it, beside the ledger's


def migrate(engine: Engine) -> None:
    """Bring the notifier's schema to the latest revision; one a newer release migrated already is
    used as it is (migrations only add: the previous release keeps working in a rolling upgrade)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    known = {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}
    with engine.begin() as conn:
        if inspect(conn).has_table(VERSION_TABLE):
            newer = set(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()) - known
            if newer:
                logging.getLogger("consent_notifier.migrations").warning(
                    "the notifier's database is at revision %s, newer than this release knows: used as it is",
                    ", ".join(sorted(newer)),
                )
                return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

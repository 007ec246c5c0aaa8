"""`consent-ledger backup FILE`: a consistent copy of a SQLite ledger while it runs (SQLite's online
backup), readable by its owner only and checked before it is called done. PostgreSQL has its own
tools (`pg_basebackup` with WAL archiving, or `pg_dump -Fc`; docs/operations.md)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from ..adapters.sql.urls import sqlite_path
from ..errors import UsageRefused
from .context import command_settings
from .output import err, out

__all__ = ["commands"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


commands = typer.Typer(rich_markup_mode=None)


@commands.command("backup")
def backup(
    target: Annotated[Path, typer.Argument(help="The file to write (it must not exist yet)")],
) -> None:
    """Copy a SQLite ledger consistently while it runs; the copy is mode 0600 and checked with
    SQLite's integrity check. Keep it apart from the erasure journal and the keys."""

    url = command_settings().resolved_database_url()
    if not url.startswith("sqlite"):
        raise UsageRefused(
            "the ledger is on PostgreSQL: back it up with pg_basebackup and WAL "
            "archiving, or pg_dump -Fc (docs/operations.md, Backup and restore)"
        )
    source = Path(sqlite_path(url))
    if not source.is_file():
        raise UsageRefused(f"no ledger database at {source}")
    if target.exists():
        raise UsageRefused(f"{target} exists; a backup never overwrites a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
        checked = dst.execute("PRAGMA integrity_check").fetchone()[0]
        entries = dst.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
    if checked != "ok":
        err.print(f"[red]failed:[/red] the copy does not pass SQLite's integrity check: {checked}")
        raise typer.Exit(EXIT_FAILED)
    out.print(f"backup {target}: {entries} entries, integrity ok (mode 0600)")

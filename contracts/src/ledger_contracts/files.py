"""Files the ledger and the notifier keep personal data in (a SQLite database, its WAL and shared
memory) are readable by their owner only: made so before SQLite opens them, since SQLite gives
its WAL and shared-memory files the database file's mode."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["private_file"]


def private_file(path: Path) -> None:
    """Create `path` 0600 if it is not there; narrow an older file that others could read."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)

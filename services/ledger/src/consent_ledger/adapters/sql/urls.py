"""Database URLs and connection settings, without the database libraries: for commands that must
start at once (sql/parts.py, sql/audit.py) as much as for the engine (sql/engine.py)."""

from __future__ import annotations

import re

__all__ = ["INDEX_PATHS_OPTIONS", "in_memory", "normalise_url", "shown", "sqlite_path"]

_PASSWORD = re.compile(r"^([A-Za-z0-9+.-]+://[^:@/]*):[^@/]*@")

# the hot reads are point and range lookups: by an index whatever the statistics say (sql/store.py)
INDEX_PATHS_OPTIONS = "-c enable_seqscan=off -c plan_cache_mode=force_custom_plan"


def normalise_url(url: str) -> str:
    """postgresql:// and postgres:// use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_path(url: str) -> str:
    """The file of a sqlite:/// URL ('' or ':memory:' for one in memory)."""
    return url.split("///", 1)[-1]


def in_memory(url: str) -> bool:
    """A SQLite database that lives in this process only (no second pool, no other process)."""
    return url.startswith("sqlite") and (":memory:" in url or url.rstrip("/").endswith("sqlite:"))


def shown(url: str) -> str:
    """The URL as it may be printed: its password, if any, as ***."""
    return _PASSWORD.sub(r"\1:***@", url)

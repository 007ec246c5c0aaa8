"""Where the ledger's database is, read from the environment as the settings read it (config.Settings:
LEDGER_DATABASE_URL, else ledger.db in LEDGER_HOME), without loading pydantic-settings: `verify`
must start at once (issue 16), and the settings alone took 0.15 s of its start.
tests/ledger/adapters/test_locations.py holds the two answers equal."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DEFAULT_HOME", "database_url"]

DEFAULT_HOME = Path(".consent-ledger")
_PREFIX = "LEDGER_"


def _env(name: str, environ: Mapping[str, str]) -> str | None:
    """The variable LEDGER_<name>, its name matched regardless of case, as pydantic-settings does."""
    wanted = (_PREFIX + name).lower()
    for key, value in environ.items():
        if key.lower() == wanted:
            return value
    return None


def database_url(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """`option` (a command's --database-url), else LEDGER_DATABASE_URL, else the SQLite file in the
    home; an empty URL counts as none, as in the settings."""
    env = os.environ if environ is None else environ
    url = option if option is not None else _env("DATABASE_URL", env)
    if url:
        return url
    home = _env("HOME", env)
    return f"sqlite:///{((DEFAULT_HOME if home is None else Path(home)) / 'ledger.db').resolve()}"

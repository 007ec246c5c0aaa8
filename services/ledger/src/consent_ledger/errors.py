"""The ledger's errors (core/errors.py's family) and the three the command line refuses with: a
command line that does not say what to do, a configuration missing or unsafe, and no ledger where
the settings point."""

from __future__ import annotations

from .core.errors import Conflict, Damaged, InputRefused, LedgerError, Refused, Unavailable

__all__ = [
    "ConfigError",
    "Conflict",
    "Damaged",
    "InputRefused",
    "LedgerError",
    "NoLedger",
    "Refused",
    "Unavailable",
    "UsageRefused",
]


class ConfigError(Refused):
    """Configuration is missing or unsafe; the message says which setting and why."""

    reason = "configuration"


class NoLedger(Refused, RuntimeError):
    """A command that reads a ledger found none where the settings point (and created none)."""

    reason = "no-ledger"


class UsageRefused(Refused):
    """A command line that does not say what to do (options that exclude each other, a file that is
    not there, a key that is not one); the message names the option and what it takes. Exit 2."""

    reason, word = "usage", "usage"

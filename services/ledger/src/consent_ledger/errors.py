"""The ledger's errors (core/errors.py's family) and the two the command line refuses before it
loads the settings: a configuration missing or unsafe, and no ledger where the settings point."""

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
]


class ConfigError(Refused):
    """Configuration is missing or unsafe; the message says which setting and why."""

    reason = "configuration"


class NoLedger(Refused, RuntimeError):
    """A command that reads a ledger found none where the settings point (and created none)."""

    reason = "no-ledger"

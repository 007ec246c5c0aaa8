"""The errors the command line turns into a refusal (exit 2); here so that it can catch them
without loading the settings."""

from __future__ import annotations

__all__ = ["ConfigError", "NoLedger"]


class ConfigError(Exception):
    """Configuration is missing or unsafe; the message says which setting and why."""


class NoLedger(RuntimeError):
    """A command that reads a ledger found none where the settings point (and created none)."""

"""What the commands share: their settings (of a command on an existing ledger, with its keys, of a
long-running process), the broker's URL, the privacy use cases, and how a command line runs.

The settings machinery (pydantic-settings) loads only when a command asks for settings, so that
the auditor's commands, which need none, start at once (tests/project/test_startup_imports.py)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from ..errors import ConfigError, LedgerError, NoLedger, Refused, UsageRefused
from .output import EXIT_USAGE, err

if TYPE_CHECKING:
    from ..bootstrap.privacy import Privacy
    from ..config import Settings

__all__ = [
    "broker_url",
    "command_settings",
    "group",
    "keyed_settings",
    "privacy",
    "process_settings",
    "refused",
    "run",
]


def group(help: str) -> typer.Typer:
    """A group of commands with the product's conventions (no completion, no rich help)."""
    return typer.Typer(add_completion=False, no_args_is_help=True, help=help, rich_markup_mode=None)


def refused(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Say why a command refuses, on the error output; the exit to raise (2: usage)."""
    err.print(f"[red]refused:[/red] {message}")
    return typer.Exit(code)


def command_settings(**kw: object) -> Settings:
    """The settings of a command that works on an existing ledger: it creates none (`up` does)."""
    from ..config import Settings

    overrides: dict[str, Any] = {k: v for k, v in kw.items() if v is not None}
    return Settings(**{"create_ledger": False, **overrides})


def broker_url(settings: Settings) -> str:
    """LEDGER_REDIS_URL, or the embedded Redis a running `up` wrote down; refused (exit 2) without."""
    if settings.redis_url:
        return settings.redis_url
    url_file = settings.home / "redis.url"
    if url_file.exists():
        return url_file.read_text().strip()
    raise UsageRefused("no broker: set LEDGER_REDIS_URL, or start `consent-ledger up` first")


def keyed_settings() -> Settings:
    """The settings with their keys; a development ledger's home holds its keys in dev-keys.json, so
    a command next to `up --dev` finds them without --dev. Refused (exit 2) when there are none."""
    settings = command_settings()
    try:
        settings.keys()
    except ConfigError as exc:
        if not settings.database_url and not (settings.home / "ledger.db").exists():
            raise NoLedger(f"no ledger in {settings.home}; start one with `consent-ledger up`") from None
        if not (settings.home / "dev-keys.json").exists():
            raise Refused(str(exc)) from None
        settings = command_settings(dev_mode=True)
    return settings


def privacy() -> Privacy:
    """The privacy officer's and the rights desk's use cases, on the ledger with its keys."""
    from ..bootstrap.privacy import build_privacy

    return build_privacy(keyed_settings())


def process_settings(command: str, port: int | None = None) -> Settings:
    """The settings of a long-running process of a deployment (`consume`, `serve`, `notifier`), its
    logging configured: it needs LEDGER_REDIS_URL and its keys, or is refused with exit 2."""
    from ..adapters.log_hygiene import configure_logging

    configure_logging()
    settings = command_settings(http_port=port, create_ledger=True)
    if not settings.redis_url:
        raise UsageRefused(f"LEDGER_REDIS_URL must be set for `{command}`")
    settings.keys()
    return settings


def run(cli: typer.Typer) -> None:
    """Run a command line; an error of the ledger's family ends it with its kind's exit code and
    words (refused: 2, damaged: 1, unavailable: 3, conflict: 1), never a traceback."""
    try:
        cli()
    except LedgerError as exc:
        err.print(f"[red]{exc.word}:[/red] {exc}")
        sys.exit(exc.exit_code)

"""The command table: every command of the ledger, the module that holds it (a `commands` Typer) and
its one-line help. A command's module is imported when that command runs and not before, so the
auditor's commands load only what they need and start at once; `--help` lists the table without
importing any module (tests/project/test_command_table.py holds the table to the modules).

The product's command line (`consent-ledger`, consent_platform.cli) is this table and its own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:  # Typer's own click (vendored since 0.26), for the types of its group's methods
    from typer._click import Command as ClickCommand
    from typer._click import Context, HelpFormatter

__all__ = ["LEDGER_COMMANDS", "Command", "lazy_app"]


@dataclass(frozen=True)
class Command:
    module: str  # holds `commands`, a Typer with this command (or group) at its top
    help: str  # the line `--help` shows: the first sentence of the command's own help (summary)


_CLI = "consent_ledger.cli."
LEDGER_COMMANDS: dict[str, Command] = {
    # the auditor's
    "verify": Command(
        _CLI + "verify",
        "Recompute every chain from genesis and, with --key, its Merkle tree against the signed checkpoints.",
    ),
    "verify-receipt": Command(
        _CLI + "offline",
        "Check a receipt, or an access report's bundle of receipts, offline: each entry is in the"
        " tree the key signed.",
    ),
    "verify-consistency": Command(
        _CLI + "offline",
        "Check offline that the newer checkpoint's tree extends the older one's.",
    ),
    "witness": Command(
        _CLI + "witness",
        "Run by an auditor: fetch the ledger's latest checkpoint, check that it extends the one "
        "you cosigned last (consistency proof), cosign it and hand the cosignature back.",
    ),
    "export": Command(
        _CLI + "export",
        "Write every chain to a file that `verify --export` checks offline, or (--format ldv) the"
        " Logboek Dataverwerkingen records of what the ledger holds.",
    ),
    "checkpoint": Command(
        _CLI + "proofs",
        "Sign a checkpoint now of every chain that grew, and print each chain's current one.",
    ),
    "receipt": Command(
        _CLI + "proofs",
        "Entry `seq` with its inclusion proof and signed checkpoint, for `verify-receipt`.",
    ),
    "prove": Command(
        _CLI + "proofs",
        "Inclusion and consistency proofs (RFC 9162)",
    ),
    "keys": Command(
        _CLI + "keys",
        "Checkpoint and witness keys (Ed25519, C2SP signed-note); the LDV key",
    ),
    # the deployment's processes
    "consume": Command(
        _CLI + "processes",
        "Run only the ledger consumer (one replica); needs LEDGER_REDIS_URL.",
    ),
    "serve": Command(
        _CLI + "processes",
        "Run the HTTP API and the ledger's chores (checkpoints, consent expiry, retention, stream"
        " trimming) without a consumer; needs LEDGER_REDIS_URL.",
    ),
    "backup": Command(
        _CLI + "backup",
        "Copy a SQLite ledger consistently while it runs; the copy is mode 0600 and checked with "
        "SQLite's integrity check.",
    ),
    # the privacy officer's and the rights desk's
    "register": Command(
        _CLI + "privacy",
        "The processing register (GDPR art. 30) as data",
    ),
    "retention": Command(
        _CLI + "privacy",
        "Retention: destroy the keys of data whose period ended",
    ),
    "violations": Command(
        _CLI + "privacy",
        "Entries that do not match the register in force (appended all the same); exit 1 when any.",
    ),
    "request": Command(
        _CLI + "rights",
        "Requests of data subjects, with their deadline",
    ),
    "hold": Command(
        _CLI + "rights",
        "Legal holds: stop the retention run for a subject",
    ),
    "correct": Command(
        _CLI + "rights",
        "Correct, complete or remove a sealed field of an entry about the subject (art. 16).",
    ),
    "access-report": Command(
        _CLI + "rights",
        "The access report (art. 15) in Dutch, as HTML and PDF, with its receipt bundle.",
    ),
    # the administrator's
    "clients": Command(
        _CLI + "clients",
        "Clients of the consent questions, with scopes",
    ),
    "producers": Command(
        _CLI + "producers",
        "Producers: their keys and what each may publish",
    ),
    "dead-letters": Command(
        _CLI + "dead_letters",
        "Refused events: inspect, fix and replay, or drop",
    ),
}


def summary(help: str | None) -> str:
    """A command's line in the table: the first sentence of its help."""
    paragraph = " ".join((help or "").strip().split("\n\n")[0].split())
    return re.split(r"(?<=\.) (?=[A-Z`])", paragraph)[0]


def loaded(name: str, entry: Command) -> ClickCommand:
    """The command `name` from its module (imported now)."""
    group = typer.main.get_group(import_module(entry.module).commands)
    command = group.commands.get(name)
    if command is None:
        raise LookupError(f"{entry.module} has no command {name!r}")
    return command


class _Lazy(TyperGroup):
    table: Mapping[str, Command] = {}

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *self.table]

    def get_command(self, ctx: Context, name: str) -> ClickCommand | None:
        if name in self.table:
            return loaded(name, self.table[name])
        return super().get_command(ctx, name)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The table's lines, without importing a module."""
        rows = [(name, entry.help) for name, entry in self.table.items()]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def lazy_app(table: Mapping[str, Command], help: str) -> typer.Typer:
    """A command line of the table's commands, each loaded when it runs."""
    group: Any = type("Commands", (_Lazy,), {"table": dict(table)})
    app = typer.Typer(cls=group, add_completion=False, no_args_is_help=True, help=help, rich_markup_mode=None)

    app.callback()(_top)  # a callback makes it a group, whatever the table holds
    return app


def _top() -> None:
    """The command line itself: nothing to do before a command."""

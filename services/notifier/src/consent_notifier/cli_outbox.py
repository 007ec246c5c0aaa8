"""Command line for the operator: the notifier's outbox (docs/operations.md, NotifierOutboxFailed).
Mounted into `consent-ledger` as `outbox`: what waits or was given up, and delivering given-up
messages again once their target answers. Payloads are never shown (they are sealed)."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from .adapters.sql.store import SqlNotifierStore

__all__ = ["build_outbox_cli"]

EXIT_USAGE = 2


def build_outbox_cli(home: Callable[[], Path]) -> typer.Typer:
    outbox = typer.Typer(no_args_is_help=True, help="The notifier's outbox: what waits, what was given up")

    def store() -> "SqlNotifierStore":
        from .bootstrap import build_notifier_store
        from .config import NotifierSettings

        return build_notifier_store(NotifierSettings(), home())

    @outbox.command("list")
    def list_outbox(
        failed: Annotated[bool, typer.Option("--failed", help="Only the messages given up")] = False,
    ) -> None:
        """The messages not delivered: id, state, attempts, where to, the last error."""
        from .adapters.outbox import where_to

        found = store().outbox_undelivered(failed_only=failed)
        for m in found:
            state = (
                f"given up {m.failed_at:%Y-%m-%dT%H:%M:%SZ}"
                if m.failed_at
                else f"next {m.next_attempt_at:%Y-%m-%dT%H:%M:%SZ}"
            )
            typer.echo(
                f"{m.id}\t{state}\t{m.attempts} attempts\t{where_to(m.target, m.destination)}"
                f"\t{m.last_error or ''}"
            )
        typer.echo(f"{len(found)} messages not delivered", err=True)

    @outbox.command("retry")
    def retry(
        ids: Annotated[list[int] | None, typer.Argument(help="Ids of given-up messages")] = None,
        every: Annotated[bool, typer.Option("--all", help="Every message given up")] = False,
    ) -> None:
        """Deliver given-up messages again, with their attempts counted from 0 (once the target answers)."""
        if bool(ids) == every:
            typer.echo("refused: give the ids of given-up messages, or --all", err=True)
            raise typer.Exit(EXIT_USAGE)
        taken = store().outbox_again(None if every else list(ids or []), datetime.now(UTC))
        missing = sorted(set(ids or []) - set(taken))
        if taken:
            typer.echo(f"delivering again: {', '.join(map(str, taken))}")
        if missing:
            typer.echo(
                f"refused: not given up (waiting, delivered or unknown): {', '.join(map(str, missing))}",
                err=True,
            )
            raise typer.Exit(EXIT_USAGE)
        if not taken:
            typer.echo("no message was given up")

    return outbox

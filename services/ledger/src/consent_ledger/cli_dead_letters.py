"""`consent-ledger dead-letters list [--reason R] | show ID [--original] | replay ID [--fixed FILE] |
replay --all [--reason R] | drop ID`.

Exit codes: 0 done, 1 refused (the reason is printed), 2 usage error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, get_args

import typer
from ledger_contracts.vocabulary import DropReason

from .cli_output import err, out

if TYPE_CHECKING:
    from .app.dead_letters import DeadLetterDesk, DeadLetterError

__all__ = ["register"]

EXIT_REFUSED, EXIT_USAGE = 1, 2


def register(app: typer.Typer, desk_factory: Callable[[], DeadLetterDesk]) -> None:
    """Add the `dead-letters` group to `app`; `desk_factory()` builds the desk from the settings."""
    group = typer.Typer(no_args_is_help=True, help="Refused events: inspect, fix and replay, or drop")
    app.add_typer(group, name="dead-letters")

    def desk() -> DeadLetterDesk:
        return desk_factory()

    @group.command("list")
    def list_(
        limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
        reason: Annotated[str | None, typer.Option(help="Only those refused for this reason")] = None,
    ) -> None:
        """Oldest first, one per line (tab-separated): id, reason, the fields that failed, source
        stream, event type, when."""
        typer.echo("id\treason\tfailed fields\tstream\tevent type\trefused at")
        for dl_id, f in desk().list(limit, reason):
            paths = ",".join(json.loads(f.get("paths") or "[]")) or "-"
            row = (dl_id, f.get("reason", ""), paths, f.get("source_stream", ""), f.get("event_type") or "-")
            typer.echo("\t".join((*row, f.get("refused_at", ""))))

    @group.command("show")
    def show(
        dead_letter_id: str,
        original: Annotated[
            bool, typer.Option("--original", help="Open the sealed body with the dead-letter key")
        ] = False,
    ) -> None:
        """The masked structure and reason; with --original the refused body itself."""
        from .app.dead_letters import DeadLetterError

        d = desk()
        try:
            if original:
                typer.echo(d.original(dead_letter_id).decode("utf-8", "replace"))
                return
            out.print_json(json.dumps(d.show(dead_letter_id)))
        except DeadLetterError as exc:
            _refused(exc)

    @group.command("replay")
    def replay(
        dead_letter_id: Annotated[str | None, typer.Argument(help="The dead letter; or --all")] = None,
        fixed: Annotated[Path | None, typer.Option(help="A corrected body (JSON) to publish instead")] = None,
        sig: Annotated[
            str | None, typer.Option(help="The producer's signature of the corrected body (its `sig` field)")
        ] = None,
        every: Annotated[
            bool, typer.Option("--all", help="Every dead letter (of --reason), each as it was")
        ] = False,
        reason: Annotated[str | None, typer.Option(help="With --all: only those refused for this")] = None,
    ) -> None:
        """Publish the body again through the normal path; with --fixed the corrected one; with
        --all every dead letter as it was (after the cause is fixed: a producer registered, an
        upgrade done). Exit 1 when any stays refused."""
        from .app.dead_letters import DeadLetterError

        if every == (dead_letter_id is not None) or (every and (fixed or sig)) or (reason and not every):
            err.print("[red]usage:[/red] give a dead letter's id, or --all [--reason R] (without --fixed)")
            raise typer.Exit(EXIT_USAGE)
        if every:
            results = desk().replay_all(reason)
            for dl_id, entry, why in results:
                typer.echo(f"{dl_id}\treplayed as {entry}" if entry else f"{dl_id}\tstays: {why}")
            left = sum(1 for _, entry, _ in results if entry is None)
            out.print(f"{len(results) - left} replayed, {left} still refused")
            if left:
                raise typer.Exit(EXIT_REFUSED)
            return
        assert dead_letter_id is not None
        if sig is not None and fixed is None:
            err.print("[red]usage:[/red] --sig signs a corrected body: give that body with --fixed")
            raise typer.Exit(2)
        body = fixed.read_bytes() if fixed else None
        try:
            entry = desk().replay(dead_letter_id, body, sig)
        except DeadLetterError as exc:
            _refused(exc)
        out.print(f"replayed as {entry}; the dead letter is removed")

    @group.command("drop")
    def drop(
        dead_letter_id: str,
        reason: Annotated[str, typer.Option(help=f"One of: {', '.join(get_args(DropReason))}")],
        by: Annotated[str, typer.Option(help="Your user id: the drop is recorded on the ledger")],
        controller: Annotated[str | None, typer.Option(help="Whose chain records it")] = None,
    ) -> None:
        """Remove it without replaying; the drop is recorded on the ledger."""
        from .app.dead_letters import DeadLetterError

        try:
            event_id = desk().drop(dead_letter_id, reason, by, controller)
        except DeadLetterError as exc:
            _refused(exc)
        except ValueError as exc:  # the drop event's own contract: e.g. a user id that is not one
            err.print(f"[red]usage:[/red] {str(exc).splitlines()[0]}")
            raise typer.Exit(EXIT_USAGE) from None
        out.print(f"dropped; recorded as event {event_id}")


def _refused(exc: DeadLetterError) -> None:
    err.print(f"[red]refused:[/red] {exc.reason}: {exc.detail}")
    raise typer.Exit(EXIT_REFUSED)

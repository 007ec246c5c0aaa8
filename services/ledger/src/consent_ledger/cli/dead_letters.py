"""`consent-ledger dead-letters list [--reason R] | show ID [--original] | replay ID [--fixed FILE] |
replay --all [--reason R] | drop ID`.

Exit codes: 0 done, 1 refused (the reason is printed), 2 usage error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, get_args

import typer
from ledger_contracts.vocabulary import DropReason

from ..adapters.broker.dead_letter_box import RedisDeadLetterBox
from ..adapters.sql.dead_letters import SqlDeadLetters
from ..app.dead_letters import DeadLetterDesk, DeadLetterError
from ..app.internal_producers import internal_signer
from ..bootstrap.store import build_store
from ..errors import ConfigError, Refused, UsageRefused
from .context import broker_url, keyed_settings, refused
from .output import out

if TYPE_CHECKING:
    from ..app.producers import ProducerRecord

__all__ = ["commands"]

EXIT_REFUSED, EXIT_USAGE = 1, 2


def desk() -> DeadLetterDesk:
    """The dead-letter desk of the ledger in the settings, on its broker and database."""

    settings = keyed_settings()
    try:
        key = settings.dead_letter_key_bytes()
    except ConfigError as exc:
        raise Refused(str(exc)) from None
    _, kek = settings.keys()

    engine = build_store(settings).engine  # the dead letters and the registered producers
    box = RedisDeadLetterBox(
        broker_url(settings),
        internal_signer(kek, "ledger-operations"),
        settings.organisation,
        SqlDeadLetters(engine),
    )
    registered: dict[str, ProducerRecord] | None = None

    def producer(producer_id: str) -> ProducerRecord | None:
        """The registered producer, read from the ledger when a replay first asks (not for list)."""
        nonlocal registered
        if registered is None:
            from ..adapters.sql.producers import SqlProducerStore

            registered = {p.producer_id: p for p in SqlProducerStore(engine).producers()}
        return registered.get(producer_id)

    return DeadLetterDesk(
        box,
        key,
        settings.operations_controller,
        require_signature=not settings.dev_mode,
        producers=producer,
    )


commands = typer.Typer(rich_markup_mode=None)

group = typer.Typer(no_args_is_help=True, help="Refused events: inspect, fix and replay, or drop")
commands.add_typer(group, name="dead-letters")


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

    if every == (dead_letter_id is not None) or (every and (fixed or sig)) or (reason and not every):
        raise UsageRefused("give a dead letter's id, or --all [--reason R] (without --fixed)")
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
        raise UsageRefused("--sig signs a corrected body: give that body with --fixed")
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

    try:
        event_id = desk().drop(dead_letter_id, reason, by, controller)
    except DeadLetterError as exc:
        _refused(exc)
    except ValueError as exc:  # the drop event's own contract: e.g. a user id that is not one
        raise UsageRefused(f"{str(exc).splitlines()[0]}") from None
    out.print(f"dropped; recorded as event {event_id}")


def _refused(exc: DeadLetterError) -> None:
    raise refused(f"{exc.reason}: {exc.detail}", EXIT_REFUSED)

"""The product's own commands: `up` (everything in one process), `notifier` (the notifier alone),
`demo` (realistic events to a running ledger), and the notifier's `users`, `registry` and `outbox`
groups (consent_notifier.cli); consent_platform.cli's table names them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from consent_ledger.cli.context import broker_url, command_settings, keyed_settings, process_settings
from consent_ledger.cli.output import EXIT_USAGE, err, out
from consent_ledger.errors import ConfigError
from consent_notifier.cli import build_cli
from consent_notifier.cli_outbox import build_outbox_cli

__all__ = ["commands"]

commands = typer.Typer(rich_markup_mode=None)
users_app, registry_app = build_cli(lambda: command_settings().home)
commands.add_typer(users_app, name="users")
commands.add_typer(registry_app, name="registry")
commands.add_typer(build_outbox_cli(lambda: command_settings().home), name="outbox")


@commands.command()
def up(
    dev: Annotated[
        bool, typer.Option("--dev", help="Development mode: local keys, embedded defaults")
    ] = False,
    port: Annotated[int | None, typer.Option(help="HTTP port (LEDGER_HTTP_PORT)")] = None,
) -> None:
    """Run the ledger consumer, the notifier and the HTTP API in one process."""
    from consent_ledger.adapters.log_hygiene import configure_logging

    from .runner import AlreadyUp, run_up

    configure_logging()
    settings = command_settings(http_port=port, create_ledger=True, **({"dev_mode": True} if dev else {}))
    try:
        settings.keys()
    except ConfigError as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    try:
        run_up(settings)
    except AlreadyUp as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None


@commands.command()
def notifier(port: Annotated[int | None, typer.Option(help="HTTP port (LEDGER_HTTP_PORT)")] = None) -> None:
    """Run only the notifier (phone rule, worklist page under /telefoon, outbox); needs
    LEDGER_REDIS_URL and the ledger's database and keys. Run `consume` and `serve` beside it."""
    from .runner import run_notifier

    settings = process_settings("notifier", port)
    run_notifier(settings)


@commands.command()
def demo(
    subjects: Annotated[int, typer.Option(min=1, max=10_000, help="How many residents")] = 5,
    seed: Annotated[int | None, typer.Option(help="Random seed for repeatable events")] = None,
) -> None:
    """Publish realistic events from the seeds' scenarios to the running ledger's broker."""
    from consent_ledger.adapters.sql.producers import SqlProducerStore
    from consent_ledger.app.internal_producers import internal_signer
    from consent_ledger.app.producers import ProducerRecord
    from consent_ledger.bootstrap.store import build_store
    from ledger_contracts import LedgerPublisher

    from .demo import CONTROLLER, PHONE_CONTROLLER, PRODUCER, demo_events

    settings = keyed_settings()
    events = demo_events(subjects, seed)
    _, kek = settings.keys()
    signer = internal_signer(kek, PRODUCER)  # the demo is a producer like any other: registered, signing
    scope = ("disclosure.recorded", "consent.*", "case.started")
    controllers = (CONTROLLER, PHONE_CONTROLLER)
    record = ProducerRecord(PRODUCER, signer.public_text(), scope, controllers, datetime.now(UTC))
    SqlProducerStore(build_store(settings).engine).put_producer(record)
    LedgerPublisher(broker_url(settings), signer).publish_many(events)
    kinds: dict[str, int] = {}
    for e in events:
        kinds[e.event_type] = kinds.get(e.event_type, 0) + 1
    out.print(f"published {len(events)} events: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))

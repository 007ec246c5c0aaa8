"""The long-running processes of a deployment beside `up`: `consume` (one replica of the consumer)
and `serve` (the HTTP API and the chores)."""

from __future__ import annotations

from typing import Annotated

import typer

from .context import process_settings

__all__ = ["commands", "consume", "serve"]

commands = typer.Typer(rich_markup_mode=None)


@commands.command()
def consume(
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve /metrics (token of scope metrics:read) on this port")
    ] = None,
) -> None:
    """Run only the ledger consumer (one replica); needs LEDGER_REDIS_URL."""
    from ..runner import run_consumer  # the broker and the database: only for this command

    run_consumer(process_settings("consume"), metrics_port)


@commands.command()
def serve(port: Annotated[int | None, typer.Option(help="HTTP port (LEDGER_HTTP_PORT)")] = None) -> None:
    """Run the HTTP API and the ledger's chores (checkpoints, consent expiry, retention, stream
    trimming) without a consumer; needs LEDGER_REDIS_URL. Run one, beside `consume` replicas."""
    from ..runner import ledger_groups, run_api

    settings = process_settings("serve", port)
    run_api(settings, ledger_groups(with_notifier=settings.notifier_reads_streams))

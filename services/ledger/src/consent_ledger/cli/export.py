"""`export`: every chain to a file that `verify --export` checks offline, or (--format ldv) the
Logboek Dataverwerkingen records of what the ledger holds (app.ldv)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from .. import __version__
from ..adapters.sql.ldv import ldv_entries
from ..adapters.sql.tree import SqlTreeStore
from ..app.export import write_export
from ..app.ldv import ldv_records
from ..bootstrap.store import build_store
from ..errors import UsageRefused
from .context import command_settings, keyed_settings
from .output import out
from .progress import progress_bar

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["commands"]


commands = typer.Typer(rich_markup_mode=None)


@commands.command()
def export(
    output: Annotated[Path, typer.Option("--out", "-o", help="File to write (JSON lines)")],
    database_url: Annotated[str | None, typer.Option(help="Overrides LEDGER_DATABASE_URL")] = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            help="ledger: every chain, for `verify --export`; ldv: Logboek Dataverwerkingen records "
            "of disclosures, consent events and phone decisions",
        ),
    ] = "ledger",
    chain: Annotated[str | None, typer.Option(help="ldv: only this chain")] = None,
) -> None:
    """Write every chain to a file that `verify --export` checks offline, or (--format ldv) the
    Logboek Dataverwerkingen records of what the ledger holds."""
    if format_ not in ("ledger", "ldv"):
        raise UsageRefused("--format is ledger or ldv")
    if format_ == "ldv":
        _export_ldv(keyed_settings(), output, database_url, chain)
        return

    store = build_store(command_settings(database_url=database_url), run_migrations=False)
    heads = store.heads()
    trees = SqlTreeStore(store)
    notes = {}
    for head in heads:  # each chain's latest signed checkpoint, with its cosignatures
        latest = trees.checkpoint(head.chain)
        if latest is not None:
            notes[head.chain] = latest.note + "".join(trees.cosignatures(head.chain, latest.size))
    with progress_bar() as progress, output.open("wb") as fh:
        task = progress.add_task("exporting", total=sum(h.length for h in heads))
        n = write_export(store, fh, lambda k: progress.advance(task, k), notes)
    out.print(f"exported {n} entries to {output}")


def _export_ldv(settings: Settings, output: Path, database_url: str | None, chain: str | None) -> None:

    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    store = build_store(settings, run_migrations=False)
    n = 0
    with output.open("wb") as fh:
        for record in ldv_records(
            ldv_entries(store, chain, keks=settings.keks()),
            settings.public_url,
            settings.ldv_key(),
            __version__,
        ):
            fh.write(orjson.dumps(record) + b"\n")
            n += 1
    out.print(f"exported {n} LDV records to {output}")

"""`verify`: the auditor's check of every chain, from the database or offline from an
export. Exit codes of `verify`: 0 intact, 1 damaged, 2 usage error (bad arguments, unreadable file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageRefused
from .keys import parse_keys
from .output import EXIT_DAMAGED, EXIT_INTACT, out
from .progress import progress_bar
from .witness import load_state, save_state

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from ..app.verify import Source, VerificationReport

__all__ = ["commands", "say"]


commands = typer.Typer(rich_markup_mode=None)


@commands.command()
def verify(
    export_file: Annotated[
        Path | None, typer.Option("--export", help="Verify this export file offline")
    ] = None,
    checkpoint_file: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="The checkpoint you saved last time: proves the ledger still extends it, then keeps "
            "the latest one in this file",
        ),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option("--key", help="The ledger's public key (or a file holding it); checks checkpoints"),
    ] = None,
    database_url: Annotated[str | None, typer.Option(help="Overrides LEDGER_DATABASE_URL")] = None,
    workers: Annotated[
        int, typer.Option(help="Processes that check parts of a large ledger at once; 0: one per core")
    ] = 0,
) -> None:
    """Recompute every chain from genesis and, with --key, its Merkle tree against the signed
    checkpoints. Exit 0 intact, 1 damaged, 2 usage error."""
    from ..app.export import ExportError
    from ..app.verify import ExportSource, verify_ledger

    if checkpoint_file is not None and not key:
        raise UsageRefused("--checkpoint needs --key (the ledger's public key)")
    verifiers = parse_keys(key or [])
    saved, single = load_state(checkpoint_file) if checkpoint_file else ({}, True)
    source: Source
    if export_file is not None:
        if not export_file.is_file():
            raise UsageRefused(f"no such file: {export_file}")
        try:
            source = ExportSource(export_file)
        except ExportError as exc:
            raise UsageRefused(f"{export_file}: {exc}") from None
    else:
        # the driver alone, read-only: no SQLAlchemy and no settings, so that it starts at once
        from ..adapters.sql.audit import DatabaseSource
        from ..locations import database_url as locate

        source = DatabaseSource(locate(database_url))
    with progress_bar() as progress:
        try:
            report = verify_ledger(source, verifiers, saved, workers, _Bar(progress, source))
        except ExportError as exc:
            raise UsageRefused(f"{export_file}: {exc}") from None
    say(report)
    if checkpoint_file is not None and report.intact:
        save_state(checkpoint_file, report.keep, single)
        out.print(f"saved   the latest checkpoints to {checkpoint_file}")
    raise typer.Exit(EXIT_INTACT if report.intact else EXIT_DAMAGED)


class _Bar:
    """The use case's progress on the command's bar."""

    def __init__(self, progress: Progress, source: Source) -> None:
        self._progress = progress
        self._task: TaskID = progress.add_task("verifying", total=sum(c.length for c in source.chains()))

    def advance(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def reset(self) -> None:
        self._progress.reset(self._task)


def say(report: VerificationReport) -> None:
    """The report as `verify` prints it: a line per verdict, the damage named."""
    if report.unreadable is not None:
        bad = report.unreadable
        out.print(f"DAMAGED {report.source}: line {bad.line}: {bad.damage} ({bad.detail})")
        return
    for chain in report.chains:
        if not chain.entries_intact:
            out.print(
                f"DAMAGED chain {chain.chain!r}: first bad entry {chain.position}: "
                f"{chain.damage} ({chain.detail})"
            )
            continue
        assert chain.head_hash is not None
        out.print(f"intact  chain {chain.chain!r}: {chain.length} entries, head {chain.head_hash.hex()}")
        if chain.unsigned_tail:
            signed = chain.signed
            out.print(
                f"unsigned chain {chain.chain!r}: entries {signed}..{chain.length - 1} come after the "
                f"latest signed checkpoint (size {signed}); verify again once a checkpoint covers them"
            )
        if chain.damage == "unsigned":
            out.print(
                f"UNSIGNED chain {chain.chain!r}: {chain.length} entries and no signed checkpoint, so "
                "the key checks nothing (were the checkpoints removed? or run `checkpoint` first)"
            )
        elif chain.damage is not None:
            out.print(f"DAMAGED chain {chain.chain!r}: {chain.damage}: {chain.detail}")
        elif chain.witnessed is not None:
            _say_witnessed(chain.witnessed)
    if not report.chains:
        out.print("intact  (the ledger is empty)")


def _say_witnessed(seen) -> None:  # type: ignore[no-untyped-def]
    if seen.latest is None and seen.saved is None:
        out.print(f"        chain {seen.chain!r}: no signed checkpoint yet")
        return
    if seen.latest is not None:
        out.print(
            f"signed  chain {seen.chain!r}: checkpoint of size {seen.latest.size} matches the entries "
            f"(root {seen.latest.root_hash.hex()[:16]}…)"
        )
    if seen.saved is not None:
        out.print(
            f"extends chain {seen.chain!r}: the {seen.saved.size} entries your saved checkpoint "
            "signed are unchanged"
        )

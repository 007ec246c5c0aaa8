"""`verify`: the auditor's check of every chain, from the database or offline from an
export. Exit codes of `verify`: 0 intact, 1 damaged, 2 usage error (bad arguments, unreadable file)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from contextlib import closing
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli_keys import parse_keys
from .cli_output import EXIT_DAMAGED, EXIT_INTACT, EXIT_USAGE, err, out
from .cli_witness import load_state, save_state, size_of
from .errors import NoLedger

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from .app.parallel_verify import PartReader
    from .core.verify import StoredEntry
from .cli_progress import progress_bar

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Adds `verify`."""

    @app.command()
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
        from .app.checkpoints import CheckpointRefused
        from .app.parallel_verify import PARALLEL_FROM, ChainPlan, usable_cores, verify_in_parts
        from .core.audit import AuditError, RootWatch, witness_chain
        from .core.verify import Damage, IntegrityError, verify_chain

        if checkpoint_file is not None and not key:
            err.print("[red]usage:[/red] --checkpoint needs --key (the ledger's public key)")
            raise typer.Exit(EXIT_USAGE)
        verifiers = parse_keys(key or [])
        saved, single = load_state(checkpoint_file) if checkpoint_file else ({}, True)
        consistency: Callable[[str, int, int], tuple[int, list[bytes]]] | None = None
        leaves: Callable[[str], Callable[[int], bytes | None]] | None
        reader: PartReader[Any]
        parts: list[Any]
        if export_file is not None:
            from .app.export import ExportError, ExportLineError, plan_parts, read_export

            if not export_file.is_file():
                err.print(f"[red]usage:[/red] no such file: {export_file}")
                raise typer.Exit(EXIT_USAGE)
            try:
                header, export_parts = plan_parts(export_file)
            except ExportError as exc:
                err.print(f"[red]usage:[/red] {export_file}: {exc}")
                raise typer.Exit(EXIT_USAGE) from None
            chains = [(c.chain, c.length, c.checkpoint) for c in header]
            head_of = {c.chain: c.head_hash for c in header}
            reader, parts, splittable = export_parts, list(export_parts.parts), True
            leaves = None

            def stored() -> dict[str, Iterable[StoredEntry]]:
                try:
                    with export_file.open("rb") as fh:
                        return {c.chain: c.entries for c in read_export(fh)}
                except ExportLineError as exc:  # evidence damaged: a verdict, not a usage error
                    out.print(f"DAMAGED {export_file}: line {exc.lineno}: {Damage.NOT_AN_ENTRY} ({exc})")
                    raise typer.Exit(EXIT_DAMAGED) from None
                except ExportError as exc:
                    err.print(f"[red]usage:[/red] {export_file}: {exc}")
                    raise typer.Exit(EXIT_USAGE) from None
        else:
            # the driver alone, read-only: no SQLAlchemy and no settings, so that it starts at once
            from .adapters.db_urls import in_memory, shown
            from .adapters.sql_audit import AuditReads
            from .adapters.sql_parts import SqlParts
            from .adapters.sql_parts import plan_parts as plan_sql_parts
            from .app.checkpoints import consistency_proof
            from .locations import database_url as locate

            url = locate(database_url)
            reads = AuditReads(url)
            if not reads.exists():
                raise NoLedger(
                    f"no ledger at {shown(url)}; start one with `consent-ledger up`, or set LEDGER_HOME"
                )
            head_rows = {h.chain: h for h in reads.heads()}
            heads = {c: h.length for c, h in head_rows.items()}
            head_of = {c: h.head_hash for c, h in head_rows.items()}
            names = sorted(set(heads) | set(reads.chains()))
            latest = {c: reads.checkpoint(c) for c in names}
            chains = [(c, heads.get(c, 0), latest[c].note if latest[c] else None) for c in names]  # type: ignore[union-attr]
            reader, splittable = SqlParts(url), not in_memory(url)  # workers are other processes
            parts = plan_sql_parts({c: n for c, n, _ in chains})

            def stored() -> dict[str, Iterable[StoredEntry]]:
                # the entries the head recorded when it was read: later appends are not yet its to check
                return {c: islice(reads.iter_entries(c), n) for c, n, _ in chains}

            def leaf_reader(chain: str) -> Callable[[int], bytes | None]:
                return lambda p: reads.nodes(chain, [(0, p)]).get((0, p))

            def chain_consistency(chain: str, old: int, new: int) -> tuple[int, list[bytes]]:
                return new, consistency_proof(lambda keys: reads.nodes(chain, keys), old, new)

            consistency, leaves = chain_consistency, leaf_reader

        sizes = {
            chain: frozenset(n for n in (size_of(saved.get(chain)), size_of(note)) if n is not None)
            for chain, _, note in chains
        }
        total = sum(n for _, n, _ in chains)
        workers = workers or usable_cores()
        damaged, keep = False, dict(saved)
        with progress_bar() as progress:
            task = progress.add_task("verifying", total=total)
            checked = None
            if splittable and workers > 1 and total >= PARALLEL_FROM:
                plans = [ChainPlan(c, n, sizes[c]) for c, n, _ in chains]
                checked = verify_in_parts(  # the part type is the reader's
                    reader, parts, plans, workers, lambda n: progress.advance(task, n)
                )
                if checked is not None and any(
                    checked[c][0].head_hash != head_of.get(c) for c, _, _ in chains
                ):
                    checked = None  # a head that is not the last entry's hash: the reference names it
                if checked is None:  # it did not hold: the reference below looks again and names it
                    progress.reset(task)
            entries = stored() if checked is None else {}
            for chain, length, latest_note in chains:
                if checked is not None:
                    report, watch = checked[chain]
                else:
                    watch = RootWatch(set(sizes[chain]))
                    try:
                        with closing(_counted(entries[chain], progress, task)) as counted:
                            report = verify_chain(
                                chain,
                                watch.through(counted),
                                expected_length=length,
                                expected_head=head_of.get(chain),
                                leaves=leaves(chain) if leaves else None,
                            )
                    except IntegrityError as exc:
                        damaged = True
                        out.print(
                            f"DAMAGED chain {exc.chain!r}: first bad entry {exc.position}: "
                            f"{exc.damage} ({exc.detail})"
                        )
                        continue
                out.print(f"intact  chain {chain!r}: {report.length} entries, head {report.head_hash.hex()}")
                signed = size_of(latest_note) or 0
                if signed < report.length:
                    out.print(
                        f"unsigned chain {chain!r}: entries {signed}..{report.length - 1} come after the "
                        f"latest signed checkpoint (size {signed}); verify again once a checkpoint "
                        "covers them"
                    )
                if not verifiers:
                    continue
                old, new = size_of(saved.get(chain)), size_of(latest_note)
                try:
                    proof = (
                        consistency(chain, old, new)[1]
                        if consistency and old and new and old <= new
                        else None
                    )
                except CheckpointRefused:  # the ledger cannot prove it: an empty proof fails below
                    proof = []
                try:
                    seen = witness_chain(chain, watch, verifiers, saved.get(chain), latest_note, proof)
                except AuditError as exc:
                    damaged = True
                    out.print(f"DAMAGED chain {chain!r}: {exc.reason}: {exc}")
                    continue
                if seen.keep:
                    keep[chain] = seen.keep
                if seen.latest is None and seen.saved is None and report.length:
                    # a key was given to check signatures, and nothing here is signed: that must fail
                    damaged = True
                    out.print(
                        f"UNSIGNED chain {chain!r}: {report.length} entries and no signed checkpoint, so "
                        "the key checks nothing (were the checkpoints removed? or run `checkpoint` first)"
                    )
                    continue
                _say_witnessed(seen)
        if not chains:
            out.print("intact  (the ledger is empty)")
        if checkpoint_file is not None and not damaged:
            save_state(checkpoint_file, keep, single)
            out.print(f"saved   the latest checkpoints to {checkpoint_file}")
        raise typer.Exit(EXIT_DAMAGED if damaged else EXIT_INTACT)


def _counted(entries: Iterable[StoredEntry], progress: Progress, task: TaskID) -> Generator[StoredEntry]:
    """The entries, counted on the progress bar; closing it closes the source (a database read)."""
    n = 0
    try:
        for n, entry in enumerate(entries, 1):
            if not n % 4096:
                progress.advance(task, 4096)
            yield entry
        progress.advance(task, n % 4096)
    finally:
        if isinstance(entries, Generator):
            entries.close()


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

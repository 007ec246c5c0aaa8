"""The `consent-ledger` command: up, demo, verify, export.

Exit codes of `verify`: 0 intact, 1 damaged, 2 usage error (bad arguments, unreadable file).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator, Iterable
from contextlib import closing
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from consent_notifier.cli import build_cli
from rich.console import Console

from .adapters.log_hygiene import configure_logging
from .cli_dead_letters import register as register_dead_letters
from .cli_integrity import load_state, parse_keys, register, save_state, size_of
from .cli_privacy import register as register_privacy
from .cli_producers import register as register_producers
from .cli_rights import register as register_rights
from .errors import ConfigError, NoLedger

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from .app.parallel_verify import PartReader
    from .config import Settings
    from .core.verify import StoredEntry

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Consent and disclosure ledger", rich_markup_mode=None
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

EXIT_INTACT, EXIT_DAMAGED, EXIT_USAGE = 0, 1, 2


def _settings(**kw: object) -> Settings:
    """The settings of a command that works on an existing ledger: it creates none (`up` does)."""
    from .config import Settings

    return Settings(**{"create_ledger": False, **{k: v for k, v in kw.items() if v is not None}})  # type: ignore[arg-type]


class _Unseen:
    """The progress of a command whose error output is no terminal (a file, a pipe, a job): nothing
    to show, so rich.progress is not even loaded (20 ms of `verify`'s start)."""

    def __enter__(self) -> _Unseen:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def advance(self, task: int, advance: float = 1) -> None:
        return None

    def reset(self, task: int) -> None:
        return None


def _progress() -> Progress:
    if not err.is_terminal:
        return _Unseen()  # type: ignore[return-value]  # the part of Progress the commands use
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


users_app, registry_app = build_cli(lambda: _settings().home)
app.add_typer(users_app, name="users")
app.add_typer(registry_app, name="registry")


register(app, lambda: _settings())

clients_app = typer.Typer(no_args_is_help=True, help="Clients of the consent questions, with scopes")
app.add_typer(clients_app, name="clients")


def _clients():  # type: ignore[no-untyped-def]
    from .adapters.sql_clients import SqlClientStore
    from .app.clients import ApiClients
    from .stores import build_store

    return ApiClients(SqlClientStore(build_store(_settings()).engine))


@clients_app.command("add")
def clients_add(
    client_id: Annotated[str, typer.Argument(help="e.g. nieuwsbrief, website, accountant")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            help="consent:check (yes/no), consent:status, consent:history, ledger:audit (receipts), "
            "subject:access (access requests and reports), subject:erasure (erasure, restriction, "
            "holds), register:admin (publish the register, read violations)",
        ),
    ],
) -> None:
    """Create a client, or rotate its token; prints the token once."""
    from datetime import UTC, datetime

    try:
        token = _clients().add(client_id, scope, datetime.now(UTC))
    except ValueError as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    err.print(f"client {client_id} with {', '.join(sorted(scope))}; the token is shown only now:")
    print(token)


@clients_app.command("list")
def clients_list() -> None:
    for c in _clients().store.clients():
        state = f"disabled {c.disabled_at:%Y-%m-%d}" if c.disabled_at else "active"
        out.print(f"{c.client_id}\t{' '.join(sorted(c.scopes))}\t{state}")


@clients_app.command("disable")
def clients_disable(client_id: str) -> None:
    from datetime import UTC, datetime

    if not _clients().disable(client_id, datetime.now(UTC)):
        err.print(f"[red]refused:[/red] no active client {client_id}")
        raise typer.Exit(EXIT_USAGE)
    out.print(f"client {client_id} disabled")


@app.command()
def up(
    dev: Annotated[
        bool, typer.Option("--dev", help="Development mode: local keys, embedded defaults")
    ] = False,
    port: Annotated[int | None, typer.Option(help="HTTP port (LEDGER_HTTP_PORT)")] = None,
) -> None:
    """Run the ledger consumer, the notifier and the HTTP API."""
    from .runner import AlreadyUp, run_up

    configure_logging()
    settings = _settings(http_port=port, create_ledger=True, **({"dev_mode": True} if dev else {}))
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


@app.command()
def consume() -> None:
    """Run only the ledger consumer (one replica); needs LEDGER_REDIS_URL."""
    from .runner import run_consumer

    configure_logging()
    settings = _settings(create_ledger=True)
    if not settings.redis_url:
        err.print("[red]usage:[/red] LEDGER_REDIS_URL must be set for `consume`")
        raise typer.Exit(EXIT_USAGE)
    run_consumer(settings)


def _redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    url_file = settings.home / "redis.url"
    if url_file.exists():
        return url_file.read_text().strip()
    err.print("[red]no broker:[/red] set LEDGER_REDIS_URL, or start `consent-ledger up` first")
    raise typer.Exit(EXIT_USAGE)


def _keyed_settings() -> Settings:
    """The settings with their keys; a development ledger's home holds its keys in dev-keys.json, so
    a command next to `up --dev` finds them without --dev. Refused (exit 2) when there are none."""
    settings = _settings()
    try:
        settings.keys()
    except ConfigError as exc:
        if not settings.database_url and not (settings.home / "ledger.db").exists():
            raise NoLedger(f"no ledger in {settings.home}; start one with `consent-ledger up`") from None
        if not (settings.home / "dev-keys.json").exists():
            err.print(f"[red]refused:[/red] {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        settings = _settings(dev_mode=True)
    return settings


def _dead_letter_desk():  # type: ignore[no-untyped-def]
    from .adapters.dead_letter_box import RedisDeadLetterBox
    from .app.dead_letters import DeadLetterDesk

    settings = _keyed_settings()
    try:
        key = settings.dead_letter_key_bytes()
    except ConfigError as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    from .app.internal_producers import internal_signer

    _, kek = settings.keys()
    box = RedisDeadLetterBox(_redis_url(settings), internal_signer(kek, "ledger-operations"))
    return DeadLetterDesk(box, key, settings.operations_controller, require_signature=not settings.dev_mode)


register_dead_letters(app, _dead_letter_desk)


def _producer_store():  # type: ignore[no-untyped-def]
    from .adapters.sql_producers import SqlProducerStore
    from .stores import build_store

    return SqlProducerStore(build_store(_settings()).engine)


register_producers(app, _producer_store)


def _privacy():  # type: ignore[no-untyped-def]
    from .bootstrap import build_privacy

    return build_privacy(_keyed_settings())


register_privacy(app, _privacy)
register_rights(app, _privacy, lambda: _keyed_settings())


@app.command()
def demo(
    subjects: Annotated[int, typer.Option(min=1, max=10_000, help="How many residents")] = 5,
    seed: Annotated[int | None, typer.Option(help="Random seed for repeatable events")] = None,
) -> None:
    """Publish realistic events from the seeds' scenarios to the running ledger's broker."""
    from ledger_contracts import LedgerPublisher

    from .adapters.sql_producers import SqlProducerStore
    from .app.internal_producers import internal_signer
    from .app.producers import ProducerRecord
    from .demo import CONTROLLER, PHONE_CONTROLLER, PRODUCER, demo_events
    from .stores import build_store

    settings = _keyed_settings()
    events = demo_events(subjects, seed)
    _, kek = settings.keys()
    signer = internal_signer(kek, PRODUCER)  # the demo is a producer like any other: registered, signing
    scope = ("disclosure.recorded", "consent.*", "case.started")
    controllers = (CONTROLLER, PHONE_CONTROLLER)
    record = ProducerRecord(PRODUCER, signer.public_text(), scope, controllers, datetime.now(UTC))
    SqlProducerStore(build_store(settings).engine).put_producer(record)
    LedgerPublisher(_redis_url(settings), signer).publish_many(events)
    kinds: dict[str, int] = {}
    for e in events:
        kinds[e.event_type] = kinds.get(e.event_type, 0) + 1
    out.print(f"published {len(events)} events: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))


@app.command()
def export(
    output: Annotated[Path, typer.Option("--out", "-o", help="File to write (JSON lines)")],
    database_url: Annotated[str | None, typer.Option(help="Overrides LEDGER_DATABASE_URL")] = None,
) -> None:
    """Write every chain to a file that `verify --export` checks offline."""
    from .adapters.sql_store import SqlTreeStore
    from .app.export import write_export
    from .stores import build_store

    store = build_store(_settings(database_url=database_url), run_migrations=False)
    heads = store.heads()
    trees = SqlTreeStore(store)
    notes = {}
    for head in heads:  # each chain's latest signed checkpoint, with its cosignatures
        latest = trees.checkpoint(head.chain)
        if latest is not None:
            notes[head.chain] = latest.note + "".join(trees.cosignatures(head.chain, latest.size))
    with _progress() as progress, output.open("wb") as fh:
        task = progress.add_task("exporting", total=sum(h.length for h in heads))
        n = write_export(store, fh, lambda k: progress.advance(task, k), notes)
    out.print(f"exported {n} entries to {output}")


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
    consistency = None
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
                with export_file.open("rb") as fh:  # type: ignore[union-attr]
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

        def leaves(chain: str) -> Callable[[int], bytes | None]:
            return lambda p: reads.nodes(chain, [(0, p)]).get((0, p))

        def proof(chain: str, old: int, new: int) -> tuple[int, list[bytes]]:
            return new, consistency_proof(lambda keys: reads.nodes(chain, keys), old, new)

        consistency = proof

    sizes = {
        chain: frozenset(n for n in (size_of(saved.get(chain)), size_of(note)) if n is not None)
        for chain, _, note in chains
    }
    total = sum(n for _, n, _ in chains)
    workers = workers or usable_cores()
    damaged, keep = False, dict(saved)
    with _progress() as progress:
        task = progress.add_task("verifying", total=total)
        checked = None
        if splittable and workers > 1 and total >= PARALLEL_FROM:
            plans = [ChainPlan(c, n, sizes[c]) for c, n, _ in chains]
            checked = verify_in_parts(  # type: ignore[misc]  # the part type is the reader's
                reader, parts, plans, workers, lambda n: progress.advance(task, n)
            )
            if checked is not None and any(checked[c][0].head_hash != head_of.get(c) for c, _, _ in chains):
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
                    f"unsigned chain {chain!r}: entries {signed}..{report.length - 1} come after the latest "
                    f"signed checkpoint (size {signed}); verify again once a checkpoint covers them"
                )
            if not verifiers:
                continue
            old, new = size_of(saved.get(chain)), size_of(latest_note)
            try:
                proof = (
                    consistency(chain, old, new)[1] if consistency and old and new and old <= new else None
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


def main() -> None:  # noqa: D103
    try:
        app()
    except ConfigError as exc:
        err.print(f"[red]refused:[/red] {exc}")
        sys.exit(EXIT_USAGE)
    except NoLedger as exc:
        err.print(f"[red]refused:[/red] {exc}")
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()

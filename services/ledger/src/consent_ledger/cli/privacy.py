"""`consent-ledger register show | check | diff | load`, `retention run | replay` and `violations`:
the privacy officer's commands (DESIGN.md invariants 8 and 11)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from ledger_contracts.dutch_time import AMSTERDAM, dutch_date, start_of_dutch_day

from ..adapters.sql.tables import fixed_utc
from ..app.registers import RegisterInvalid, diff_registers, load_register, publish_register, warnings_of
from ..app.retention import ErasureJournal
from ..errors import Refused
from .context import privacy
from .output import err, out

if TYPE_CHECKING:
    from ..bootstrap.privacy import Privacy

__all__ = ["commands"]

EXIT_USAGE = 2
EXIT_FOUND = 1  # `register check` with errors; `violations` found some


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"not a date or time: {text!r} (e.g. 2036-03-02)") from None
    if moment.tzinfo:
        return moment
    if len(text) == 10:  # a Dutch calendar date: as the periods stand when that day begins
        return start_of_dutch_day(moment.date())
    return moment.replace(tzinfo=AMSTERDAM)


commands = typer.Typer(rich_markup_mode=None)

group = typer.Typer(no_args_is_help=True, help="The processing register (GDPR art. 30) as data")
commands.add_typer(group, name="register")


def _load(path: Path) -> Any:

    try:
        return load_register(path)
    except RegisterInvalid as exc:
        err.print(f"[red]invalid register[/red] {exc}")
        raise typer.Exit(EXIT_FOUND) from None


def _in_force(p: Privacy) -> dict[str, tuple[str, str]]:
    return p.reads.registers_in_force()


@group.command("check")
def check(file: Path) -> None:
    """Validate a register file against the schema; list what the privacy officer should look at."""

    loaded = _load(file)
    out.print(f"valid  {loaded.register.controller}: {len(loaded.register.activities)} activities")
    out.print(f"version {loaded.version}")
    for line in warnings_of(loaded.register):
        out.print(f"[yellow]warning[/yellow] {line}")


@group.command("show")
def show(
    controller: Annotated[str | None, typer.Option(help="Only this controller")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The register in force, as JSON")] = False,
) -> None:
    """The register version in force per controller, as published on its chain."""
    p = privacy()
    registers = _in_force(p)
    if controller:
        registers = {k: v for k, v in registers.items() if k == controller}
    if not registers:
        err.print("no register is in force; publish one with `consent-ledger register load FILE`")
        raise typer.Exit(EXIT_FOUND)
    for chain, (version, document) in sorted(registers.items()):
        doc = json.loads(document)
        if as_json:
            out.print_json(json.dumps(doc))
            continue
        out.print(f"[bold]{chain}[/bold]  version {version}  valid from {doc['valid_from']}")
        for a in doc["activities"]:
            rules = ", ".join(f"{r['milestone']} + {r['duration']}" for r in a.get("retention", []))
            out.print(f"  {a['id']:<30} {a['purpose']:<26} bewaren: {rules or '-'}")


@group.command("diff")
def diff(
    file: Path,
    against: Annotated[
        Path | None, typer.Option(help="Another register file; default: the one in force")
    ] = None,
) -> None:
    """What loading FILE would change, by activity and field."""

    new = _load(file)
    if against is not None:
        old: dict[str, Any] | None = _load(against).document
    else:
        standing = _in_force(privacy()).get(new.register.controller)
        old = json.loads(standing[1]) if standing else None
    lines = diff_registers(old, new.document)
    for line in lines:
        out.print(line, markup=False, highlight=False)
    if not lines:
        out.print("no changes")


@group.command("load")
def load(
    file: Path,
    by: Annotated[str, typer.Option("--by", help="Who publishes it (user id)")],
) -> None:
    """Publish FILE on its controller's chain: in force for every entry appended after it."""

    loaded = _load(file)
    p = privacy()
    standing = _in_force(p).get(loaded.register.controller)
    if standing and standing[0] == loaded.version:
        out.print(f"already in force: {loaded.register.controller} version {loaded.version}")
        return
    outcome = publish_register(p.appender, p.pseudonyms, loaded, by, datetime.now(UTC))
    head = outcome.heads[loaded.register.controller]
    out.print(f"published {loaded.register.controller} version {loaded.version} as entry {head.length - 1}")


retention = typer.Typer(no_args_is_help=True, help="Retention: destroy the keys of data whose period ended")
commands.add_typer(retention, name="retention")


@retention.command("run")
def run(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date the periods are measured at")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what is due; change nothing")] = False,
) -> None:
    """Destroy every key whose retention period ended; append an erasure entry for each."""
    p = privacy()
    try:
        report = p.retention.run(_moment(as_of), dry_run=dry_run)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    for e in report.due:
        rule = f"{e.due.rule.milestone} + {e.due.rule.duration}"
        out.print(
            f"{'due   ' if dry_run else 'erased'} {e.scope.controller}/{e.scope.activity}  {rule}  "
            f"due {dutch_date(e.due.due_at)}"
        )
    verb = "would erase" if dry_run else "erased"
    out.print(
        f"{verb} {len(report.due)} of {report.scopes} subject activities "
        f"({report.erased_keys} keys, {report.entries_sealed} entries now unreadable); "
        f"{report.waiting} wait for another activity of the same key; {report.held} held (legal hold)"
    )
    if dry_run:
        return
    for d in p.rights.carry_out_held_erasures():
        out.print(
            f"erasure request {d.request.request_id} at {d.request.chain} carried out now that its "
            f"legal hold has ended: {d.erased_keys} keys, {d.entries_sealed} entries now unreadable"
        )


@retention.command("replay")
def replay(
    journal: Annotated[
        Path | None,
        typer.Option(
            "--journal",
            help="The erasure journal (default: LEDGER_ERASURE_JOURNAL); kept apart from the "
            "database's backups, so that a restore does not take it back",
        ),
    ] = None,
) -> None:
    """After restoring a backup: destroy again every key the journal says was destroyed."""

    count = privacy().retention.replay(ErasureJournal(journal) if journal else None)
    out.print(f"replayed: {count} keys destroyed again")


@commands.command("violations")
def violations(
    since: Annotated[str | None, typer.Option(help="Only those recorded since (date or time, UTC)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
) -> None:
    """Entries that do not match the register in force (appended all the same); exit 1 when any."""

    moment = _moment(since)
    rows = privacy().reads.violations(fixed_utc(moment) if moment else None, limit)
    for r in rows:
        out.print(
            f"{r['recorded_at'][:19]}  {r['chain']}#{r['seq']}  {r['reason']:<32} "
            f"{r['event_type']} {r['activity']}  register {str(r['register_version'])[:12]}",
            highlight=False,
        )
    out.print(f"{len(rows)} violations")
    raise typer.Exit(EXIT_FOUND if rows else 0)

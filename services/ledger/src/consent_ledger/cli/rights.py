"""`consent-ledger request | hold | correct | access-report`: the desk employee's and the privacy
officer's commands for the data subject's rights (GDPR art. 15-18; privacyreglement art. 11, 12).
A BSN is typed in and turned into the pseudonym at once; it is never written anywhere."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from ledger_contracts.dutch_time import dutch_date
from ledger_contracts.vocabulary import SubjectRight

from ..adapters.reports.render import render_html, render_pdf
from ..adapters.reports.words import REASONS
from ..app.checkpoints import CheckpointRefused
from ..app.consent_query import ConsentQuery, SubjectRefused
from ..app.rights_model import RequestRefused
from ..bootstrap.privacy import build_checkpoints
from ..errors import Refused, UsageRefused
from .context import keyed_settings, privacy, refused
from .output import out

if TYPE_CHECKING:
    from ..bootstrap.privacy import Privacy

__all__ = ["commands"]

EXIT_REFUSED = 1
EXIT_USAGE = 2

SubjectOption = Annotated[str, typer.Option("--subject", help="The BSN (elfproef) or a ledger pseudonym")]
ByOption = Annotated[str, typer.Option("--by", help="Who acts (employee id)")]


def _pseudonym(p: Privacy, subject: str) -> str:

    try:
        return ConsentQuery(p.store, p.pseudonyms).pseudonym_of(subject.replace(" ", ""))
    except SubjectRefused as exc:
        raise Refused(str(exc)) from None


def _refused(exc: Exception) -> typer.Exit:
    return refused(f"{getattr(exc, 'reason', 'invalid')}: {exc}", EXIT_REFUSED)


commands = typer.Typer(rich_markup_mode=None)

requests = typer.Typer(no_args_is_help=True, help="Requests of data subjects, with their deadline")
commands.add_typer(requests, name="request")


@requests.command("receive")
def receive(
    subject: SubjectOption,
    controller: Annotated[str, typer.Option(help="The organisation the request is made to")],
    right: Annotated[str, typer.Option(help="access | correction | erasure | restriction")],
    by: ByOption,
    details: Annotated[str | None, typer.Option(help="What was asked, in words (sealed)")] = None,
) -> None:
    """Record a request; its decision is due one month after today."""

    p = privacy()
    try:
        wanted = SubjectRight(right)
        r = p.rights.receive(_pseudonym(p, subject), controller, wanted, by, details)
    except ValueError as exc:
        raise _refused(exc) from None
    out.print(f"request {r.request_id}: {r.right} at {r.chain}, received {r.received_on}, due {r.due_on}")


@requests.command("list")
def list_requests(
    open_only: Annotated[bool, typer.Option("--open", help="Only those not decided")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only those past their deadline")] = False,
) -> None:
    """Requests by deadline; exit 1 when --overdue finds any."""
    p = privacy()
    today = dutch_date(datetime.now(UTC))
    rows = p.rights_reads.requests(open_only, today if overdue else None)
    for r in rows:
        state = f"{r.outcome} {r.decided_at[:10]}" if r.outcome and r.decided_at else "open"
        late = "  OVERDUE" if r.overdue(today) else ""
        out.print(f"{r.request_id}  {r.chain:<20} {r.right:<12} due {r.due_on}  {state}{late}")
    out.print(f"{len(rows)} requests")
    raise typer.Exit(EXIT_REFUSED if overdue and rows else 0)


@requests.command("erase")
def erase(
    request_id: str,
    by: ByOption,
    note: Annotated[str | None, typer.Option(help="The reasoning in words, for the subject")] = None,
) -> None:
    """Decide an erasure request: erase what may go, keep what must stay, each with its reason."""

    p = privacy()
    try:
        d = p.rights.decide_erasure(request_id, by, note)
    except RequestRefused as exc:
        raise _refused(exc) from None
    for g, source in zip(d.grounds, d.sources, strict=True):
        rule = f" ({g.rule.milestone} + {g.rule.duration})" if g.rule and g.rule.milestone else ""
        until = f" until {g.until}" if g.until else ""
        out.print(f"{g.outcome:<7} {g.controller}/{g.activity}: {g.reason}{rule}{until}")
        out.print(f"        {REASONS.get(g.reason, '')}")
        if g.statute:
            out.print(f"        law: {g.statute.law} art. {g.statute.article}")
        if source:
            out.print(f"        period set by: {source}")
    out.print(f"{d.outcome}: {d.erased_keys} keys destroyed, {d.entries_sealed} entries now unreadable")


@requests.command("restrict")
def restrict(request_id: str, by: ByOption) -> None:
    """Decide a restriction request (art. 18): consent answers about the subject become no."""

    p = privacy()
    try:
        d = p.rights.decide_restriction(request_id, by)
    except RequestRefused as exc:
        raise _refused(exc) from None
    out.print(f"{d.outcome}: processing of the subject at {d.request.chain} restricted")


holds = typer.Typer(no_args_is_help=True, help="Legal holds: stop the retention run for a subject")
commands.add_typer(holds, name="hold")


@holds.command("place")
def place(
    subject: SubjectOption,
    controller: Annotated[str, typer.Option()],
    until: Annotated[str, typer.Option(help="The day the hold ends (YYYY-MM-DD)")],
    reason: Annotated[str, typer.Option(help="Why, in words (sealed)")],
    by: ByOption,
) -> None:
    """Place a legal hold (GDPR art. 17(3)(e)): the data at the controller stay until `until`."""
    p = privacy()
    try:
        end = date.fromisoformat(until)
        h = p.rights.place_hold(_pseudonym(p, subject), controller, "legal-hold", by, end, reason)
    except ValueError as exc:
        raise _refused(exc) from None
    out.print(f"hold {h.hold_id} placed at {h.controller} until {h.until}")


@holds.command("list")
def list_holds(
    controller: Annotated[str | None, typer.Option(help="Only the holds at this organisation")] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Only this subject's (BSN or pseudonym)")
    ] = None,
) -> None:
    """Holds and restrictions not lifted, with their end and the request each serves; a legal
    hold whose last day has passed is listed as ended (it stops nothing any more)."""
    p = privacy()
    today = dutch_date(datetime.now(UTC))
    found = p.rights_reads.holds(_pseudonym(p, subject)) if subject else p.rights_reads.all_holds()
    rows = [h for h in found if controller is None or h.controller == controller]
    for h in rows:
        ends = f"until {h.until}" if h.until else "until lifted"
        state = "in force" if h.stops(today) else "ended"
        serves = f"  for request {h.request_id}" if h.request_id else ""
        out.print(
            f"{h.hold_id}  {h.kind:<11} {h.controller:<20} {ends:<16} placed {h.placed_at[:10]}  "
            f"{state}{serves}"
        )
    out.print(f"{len(rows)} holds")


@holds.command("lift")
def lift(hold_id: str, by: ByOption) -> None:
    """Lift a hold or a restriction before its end."""

    p = privacy()
    try:
        h = p.rights.lift_hold(hold_id, by)
    except RequestRefused as exc:
        raise _refused(exc) from None
    out.print(f"{h.kind} {h.hold_id} lifted")


@commands.command("correct")
def correct(
    subject: SubjectOption,
    event: Annotated[str, typer.Option("--event", help="The event id of the entry to correct")],
    field: Annotated[str, typer.Option("--field", help="JSON pointer, e.g. /data/details")],
    by: ByOption,
    value: Annotated[str | None, typer.Option(help="The corrected value; leave out to remove")] = None,
    request_id: Annotated[str | None, typer.Option("--request", help="The correction request")] = None,
    copy: Annotated[Path | None, typer.Option(help="Write the requester's copy (JSON) here")] = None,
) -> None:
    """Correct, complete or remove a sealed field of an entry about the subject (art. 16)."""

    p = privacy()
    try:
        chain, seq = p.rights.correct(_pseudonym(p, subject), event, field, value, by, request_id)
    except (RequestRefused, ValueError) as exc:
        raise _refused(exc) from None
    out.print(f"correction recorded as entry {seq} of {chain}")
    if copy is not None:
        doc = {
            "correctie": {"gebeurtenis": event, "veld": field, "nieuwe_waarde": value},
            "vastgelegd_als": f"{chain}#{seq}",
            "verzoek": request_id,
            "door": by,
            "datum": dutch_date(datetime.now(UTC)).isoformat(),
        }
        copy.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        out.print(f"copy for the requester written to {copy}")


@commands.command("access-report")
def access_report(
    subject: SubjectOption,
    out_file: Annotated[Path, typer.Option("--out", help="The HTML file; .pdf and .receipts.json beside it")],
    by: ByOption,
    controller: Annotated[
        str | None, typer.Option(help="Record a new access request at this controller")
    ] = None,
    request_id: Annotated[str | None, typer.Option("--request", help="The access request it answers")] = None,
) -> None:
    """The access report (art. 15) in Dutch, as HTML and PDF, with its receipt bundle."""

    if (controller is None) == (request_id is None):
        raise UsageRefused("give --request ID, or --controller to record the request now")
    p = privacy()
    pseudonym = _pseudonym(p, subject)
    try:
        request = p.rights.access_request(pseudonym, by, request_id, controller)
        reports = p.access_reports(build_checkpoints(keyed_settings(), p.store))
        hint = subject[-3:] if subject.isdigit() else "(pseudoniem)"
        report = reports.build(pseudonym, hint, request.chain)
    except (RequestRefused, CheckpointRefused) as exc:
        raise _refused(exc) from None
    receipts = out_file.with_suffix(".receipts.json")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(render_html(report, receipts.name, request), encoding="utf-8")
    out_file.with_suffix(".pdf").write_bytes(render_pdf(report, receipts.name, request))
    receipts.write_text(json.dumps(report.receipts, indent=1) + "\n", encoding="utf-8")
    p.rights.report_handed_over(request, list(report.complete_up_to), by)
    sizes = ", ".join(f"{c} up to size {n}" for c, n in report.complete_up_to.items())
    out.print(
        f"access report: {len(report.lines)} entries, {len(report.erased)} erasures; complete for {sizes}"
    )
    out.print(f"written {out_file}, {out_file.with_suffix('.pdf')}, {receipts}")

"""The data subject's rights over HTTP (GDPR art. 15-18; privacyreglement art. 11 and 12), for the
desk application that takes a resident's request and for the privacy officer who decides it.

Scope `subject:access` records access requests and hands out the access report; `subject:erasure`
records and decides erasure, restriction and correction requests and places or lifts legal holds.
Every such use acts on the subject and is an entry on the controller's chain, naming the client
(`api.<client>`, or `api.<client>.<employee>` when the body names the employee). A BSN goes in a
body, never in a URL, and is turned into the pseudonym at once."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from ledger_contracts.formats import ActorId, ChainName
from ledger_contracts.problems import ApiRefusal, describe_invalid, problem_responses
from ledger_contracts.subjects import SubjectRef
from ledger_contracts.vocabulary import DecisionReason, SubjectRight
from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from ..app.access_report import AccessReports
from ..app.checkpoints import CheckpointRefused
from ..app.clients import Client, Scope
from ..app.consent_query import ConsentQuery
from ..app.rights_model import Decision, Hold, RequestRefused, TrackedRequest
from ..app.subject_rights import SubjectRights
from .access_report_render import render_html, render_pdf
from .http_access import ClientDep, require_scope, served_part
from .http_access import Deps as ConsentDeps
from .sql_rights import SqlRightsStore

__all__ = ["RightsApiDeps", "refusal_of", "rights_router"]

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
RECEIPTS_NAME = "toegangsrapport.receipts.json"
STATUS = {
    "unknown-request": 404,
    "unknown-hold": 404,
    "unknown-event": 404,
    "already-decided": 409,
    "wrong-right": 409,
    "not-about-subject": 422,
    "unknown-controller": 422,
    "no-sealed-field": 422,
    "no-request": 422,
    "received-in-future": 422,
    "hold-ended": 422,
}
Text = Annotated[str, Field(min_length=1, max_length=2000)]


def _iso_day_only(value: object) -> object:
    """Pydantic would read 0 as 1 January 1970; a day must be written as YYYY-MM-DD."""
    if not isinstance(value, str | date):
        raise ValueError("a day as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day_only)]
IdPath = Annotated[str, Path(pattern=UUID_PATTERN)]


class RightsApiDeps:
    def __init__(
        self, rights: SubjectRights, reads: SqlRightsStore, reports: AccessReports, query: ConsentQuery
    ) -> None:
        self.rights, self.reads, self.reports, self.query = rights, reads, reports, query


# --- models ---------------------------------------------------------------------------------


class RequestIn(BaseModel):
    subject: SubjectRef
    controller: ChainName = Field(description="The organisation the request is made to (its chain)")
    right: SubjectRight
    received_on: Day | None = Field(None, description="The day it arrived (default: today)")
    details: Text | None = Field(None, description="What was asked, in words; sealed")
    employee: ActorId | None = Field(None, description="The employee who took it, recorded with the client")


class RequestOut(BaseModel):
    request_id: str
    controller: str
    subject: str = Field(description="The subject's pseudonym")
    right: str
    received_on: date
    due_on: date = Field(description="The decision is due by this day (one month after receipt)")
    overdue: bool
    outcome: str | None = None
    decided_at: str | None = None
    entry: int | None = Field(None, description="The request's entry on the controller's chain")


class DecideIn(BaseModel):
    note: Text | None = Field(None, description="The reasoning in words, for the subject; sealed")
    employee: ActorId | None = None


class GroundOut(BaseModel):
    controller: str
    activity: str
    outcome: str
    reason: str
    rule: str | None = Field(None, description="milestone + duration of the retention rule")
    statute: str | None = None
    until: date | None = None


class DecisionOut(BaseModel):
    request: RequestOut
    outcome: str
    grounds: list[GroundOut]
    keys_destroyed: int
    entries_sealed: int = Field(description="Entries whose sealed text nobody can read any more")


class HoldIn(BaseModel):
    subject: SubjectRef
    controller: ChainName
    until: Day = Field(description="The day the hold ends")
    reason: Text = Field(description="Why, in words; sealed")
    employee: ActorId | None = None


class HoldOut(BaseModel):
    hold_id: str
    controller: str
    subject: str
    kind: str
    until: date | None
    state: Literal["placed", "lifted"]


class LiftIn(BaseModel):
    reason: Text | None = None
    employee: ActorId | None = None


class AccessReportIn(BaseModel):
    subject: SubjectRef
    request_id: Annotated[str, Field(pattern=UUID_PATTERN)] | None = Field(
        None, description="The open access request it answers"
    )
    controller: ChainName | None = Field(
        None, description="Or: record the access request at this controller now"
    )
    employee: ActorId | None = None


class AccessReportOut(BaseModel):
    request: RequestOut
    complete_up_to: dict[str, int] = Field(description="Per chain: the signed tree size it is complete up to")
    entries: int
    erasures: int
    html: str = Field(description="The report in Dutch, to read and print")
    pdf_base64: str = Field(description="The same report as PDF")
    receipts: dict[str, Any] = Field(
        description="Receipt bundle: verify with `consent-ledger verify-receipt`"
    )


# --- helpers --------------------------------------------------------------------------------


def _deps(request: Request) -> RightsApiDeps:
    return served_part(request, "rights", "subject rights")  # type: ignore[return-value]


Rights = Annotated[RightsApiDeps, Depends(_deps)]


def _actor(client: Client, employee: str | None) -> str:
    try:
        return client.acting_for(employee)
    except ValueError as exc:
        raise ApiRefusal(422, "invalid-input", str(exc), "employee") from None


def refusal_of(exc: RequestRefused | CheckpointRefused | ValidationError) -> ApiRefusal:
    """A use case's refusal, or a contract's validation error, as the API's one refusal shape
    (installed as exception handlers in http.create_app)."""
    if isinstance(exc, RequestRefused):
        return ApiRefusal(STATUS.get(exc.reason, 422), exc.reason, str(exc))
    if isinstance(exc, CheckpointRefused):
        return ApiRefusal(503, exc.reason, str(exc))
    detail, field = describe_invalid(exc.errors())
    return ApiRefusal(422, "invalid-input", detail, field)


def _request_out(r: TrackedRequest) -> RequestOut:
    return RequestOut(
        request_id=r.request_id,
        controller=r.chain,
        subject=r.pseudonym,
        right=r.right,
        received_on=r.received_on,
        due_on=r.due_on,
        overdue=r.overdue(datetime.now(UTC).date()),
        outcome=r.outcome,
        decided_at=r.decided_at,
        entry=r.received_seq,
    )


def _decision_out(d: Decision) -> DecisionOut:
    grounds = [
        GroundOut(
            controller=g.controller,
            activity=g.activity,
            outcome=g.outcome,
            reason=DecisionReason(g.reason).value,
            rule=f"{g.rule.milestone} + {g.rule.duration}" if g.rule and g.rule.milestone else None,
            statute=f"{g.statute.law} art. {g.statute.article}" if g.statute else None,
            until=g.until,
        )
        for g in d.grounds
    ]
    return DecisionOut(
        request=_request_out(d.request),
        outcome=d.outcome,
        grounds=grounds,
        keys_destroyed=d.erased_keys,
        entries_sealed=d.entries_sealed,
    )


def _hold_out(h: Hold, state: Literal["placed", "lifted"]) -> HoldOut:
    return HoldOut(
        hold_id=h.hold_id,
        controller=h.controller,
        subject=h.pseudonym,
        kind=h.kind,
        until=h.until,
        state=state,
    )


RIGHT_SCOPE = {SubjectRight.ACCESS: Scope.SUBJECT_ACCESS}  # every other right: subject:erasure

# --- routes ---------------------------------------------------------------------------------

rights_router = APIRouter(
    prefix="/v1/subjects",
    tags=["subject rights"],
    responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
)


@rights_router.post("/requests", status_code=201, response_model=RequestOut)
def receive_request(
    body: RequestIn, request: Request, d: ConsentDeps, r: Rights, client: ClientDep
) -> RequestOut:
    """Record a resident's request (access, correction, erasure or restriction); it is due one
    month after receipt. Access needs `subject:access`, every other right `subject:erasure`."""
    require_scope(client, RIGHT_SCOPE.get(body.right, Scope.SUBJECT_ERASURE), d, request)
    pseudonym = r.query.subject_pseudonym(body.subject)
    tracked = r.rights.receive(
        pseudonym,
        body.controller,
        body.right,
        _actor(client, body.employee),
        body.details,
        body.received_on,
    )
    return _request_out(tracked)


@rights_router.get("/requests", response_model=list[RequestOut])
def list_requests(
    request: Request,
    d: ConsentDeps,
    r: Rights,
    client: ClientDep,
    open_only: Annotated[bool, Query(alias="open", description="Only those not decided")] = False,
    overdue: Annotated[bool, Query(description="Only those past their deadline")] = False,
) -> list[RequestOut]:
    """Requests by deadline, for the desk's worklist (pseudonyms only)."""
    require_scope(client, Scope.SUBJECT_ACCESS, d, request, Scope.SUBJECT_ERASURE)
    today = datetime.now(UTC).date()
    return [_request_out(t) for t in r.reads.requests(open_only, today if overdue else None)]


@rights_router.get("/requests/{request_id}", response_model=RequestOut)
def get_request(
    request_id: IdPath, request: Request, d: ConsentDeps, r: Rights, client: ClientDep
) -> RequestOut:
    require_scope(client, Scope.SUBJECT_ACCESS, d, request, Scope.SUBJECT_ERASURE)
    found = r.reads.request(request_id)
    if found is None:
        raise ApiRefusal(404, "unknown-request", "no request with this id", "request_id")
    return _request_out(found)


@rights_router.post("/requests/{request_id}/erasure", response_model=DecisionOut)
def decide_erasure(
    request_id: IdPath, body: DecideIn, request: Request, d: ConsentDeps, r: Rights, client: ClientDep
) -> DecisionOut:
    """Decide an erasure request (art. 17): erase what may go, keep what must stay, each with the
    rule or the law that still runs."""
    require_scope(client, Scope.SUBJECT_ERASURE, d, request)
    return _decision_out(r.rights.decide_erasure(request_id, _actor(client, body.employee), body.note))


@rights_router.post("/requests/{request_id}/restriction", response_model=DecisionOut)
def decide_restriction(
    request_id: IdPath, body: DecideIn, request: Request, d: ConsentDeps, r: Rights, client: ClientDep
) -> DecisionOut:
    """Decide a restriction request (art. 18): consent answers about the subject become no."""
    require_scope(client, Scope.SUBJECT_ERASURE, d, request)
    return _decision_out(r.rights.decide_restriction(request_id, _actor(client, body.employee), body.note))


@rights_router.post("/holds", status_code=201, response_model=HoldOut)
def place_hold(body: HoldIn, request: Request, d: ConsentDeps, r: Rights, client: ClientDep) -> HoldOut:
    """A legal hold (art. 17(3)(e)): the retention run and erasure requests leave the subject's
    data at the controller alone until `until`."""
    require_scope(client, Scope.SUBJECT_ERASURE, d, request)
    pseudonym = r.query.subject_pseudonym(body.subject)
    actor = _actor(client, body.employee)
    hold = r.rights.place_hold(pseudonym, body.controller, "legal-hold", actor, body.until, body.reason)
    return _hold_out(hold, "placed")


@rights_router.post("/holds/{hold_id}/lift", response_model=HoldOut)
def lift_hold(
    hold_id: IdPath, body: LiftIn, request: Request, d: ConsentDeps, r: Rights, client: ClientDep
) -> HoldOut:
    """Lift a legal hold or a restriction before its end."""
    require_scope(client, Scope.SUBJECT_ERASURE, d, request)
    return _hold_out(r.rights.lift_hold(hold_id, _actor(client, body.employee), body.reason), "lifted")


@rights_router.post(
    "/access-report",
    response_model=AccessReportOut,
    responses={
        200: {
            "content": {"text/html": {}, "application/pdf": {}},
            "description": "JSON with all three parts; Accept: text/html or application/pdf for one",
        }
    },
)
def access_report(
    body: AccessReportIn,
    request: Request,
    d: ConsentDeps,
    r: Rights,
    client: ClientDep,
    accept: Annotated[str, Header()] = "application/json",
) -> Any:
    """The access report (art. 15) in Dutch, complete up to a signed tree size per chain, with its
    receipt bundle. Answers an open access request, or records one at `controller`; either way the
    request is granted on the chain once the report is made."""
    require_scope(client, Scope.SUBJECT_ACCESS, d, request)
    pseudonym = r.query.subject_pseudonym(body.subject)
    actor = _actor(client, body.employee)
    hint = body.subject.bsn[-3:] if body.subject.bsn else "(pseudoniem)"
    tracked = r.rights.access_request(pseudonym, actor, body.request_id, body.controller)
    report = r.reports.build(pseudonym, hint)
    html = render_html(report, RECEIPTS_NAME, tracked)
    pdf = render_pdf(report, RECEIPTS_NAME)
    tracked = r.rights.report_handed_over(tracked, list(report.complete_up_to), actor)
    complete = ", ".join(f"{c}={n}" for c, n in report.complete_up_to.items())
    headers = {"Ledger-Complete-Up-To": complete, "Ledger-Request": tracked.request_id}
    if "application/pdf" in accept:
        return Response(pdf, media_type="application/pdf", headers=headers)
    if "text/html" in accept:
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)
    out = AccessReportOut(
        request=_request_out(tracked),
        complete_up_to=report.complete_up_to,
        entries=len(report.lines),
        erasures=len(report.erased),
        html=html,
        pdf_base64=base64.b64encode(pdf).decode(),
        receipts=report.receipts,
    )
    return JSONResponse(out.model_dump(mode="json"), headers=headers)

"""The data subject's rights over HTTP (GDPR art. 15-18; privacyreglement art. 11 and 12), for the
desk application that takes a resident's request and for the privacy officer who decides it.

Scope `subject:access` records access requests and hands out the access report; `subject:erasure`
records and decides erasure, restriction and correction requests and places or lifts legal holds.
Every such use acts on the subject and is an entry on the controller's chain, naming the client
(`api.<client>`, or `api.<client>.<employee>` when the body names the employee). A BSN goes in a
body, never in a URL, and is turned into the pseudonym at once."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from ledger_contracts.dutch_time import dutch_date
from ledger_contracts.problems import ApiRefusal, describe_invalid, problem_responses
from ledger_contracts.vocabulary import SubjectRight
from pydantic import ValidationError

from ...app.access_report import AccessReports
from ...app.checkpoints import CheckpointRefused
from ...app.clients import Client, Scope
from ...app.consent_query import ConsentQuery
from ...app.rights_model import RequestRefused, TrackedRequest
from ...app.subject_rights import SubjectRights
from ..reports.render import render_html, render_pdf
from ..sql.rights import SqlRightsStore
from .access import ClientDep, require_scope
from .access import Deps as ConsentDeps
from .consent import controller_for
from .rights_models import (
    AccessReportIn,
    AccessReportOut,
    DecideIn,
    DecisionOut,
    HoldIn,
    HoldListed,
    HoldOut,
    IdPath,
    LiftIn,
    RequestIn,
    RequestOut,
    decision_out,
    hold_listed,
    hold_out,
    request_out,
)

__all__ = ["RightsApiDeps", "refusal_of", "rights_router"]

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


class RightsApiDeps:
    def __init__(
        self, rights: SubjectRights, reads: SqlRightsStore, reports: AccessReports, query: ConsentQuery
    ) -> None:
        self.rights, self.reads, self.reports, self.query = rights, reads, reports, query


# --- models ---------------------------------------------------------------------------------


def _deps(request: Request) -> RightsApiDeps:
    return request.app.state.rights  # type: ignore[no-any-return]


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


RIGHT_SCOPE = {SubjectRight.ACCESS: Scope.SUBJECT_ACCESS}  # every other right: subject:erasure


def _own_request(r: RightsApiDeps, client: Client, request_id: str) -> TrackedRequest:
    """A request made to one of the client's controllers; another organisation's is not found."""
    found = r.reads.request(request_id)
    if found is None or found.chain not in client.controllers:
        raise ApiRefusal(404, "unknown-request", "no request with this id", "request_id")
    return found


def _listed_at(d: ConsentDeps, client: Client, asked: str | None, request: Request) -> frozenset[str]:
    """The controllers a list answers for: the one asked (when the client is tied to it), or all
    of the client's."""
    if asked is not None or not client.controllers:
        return frozenset({controller_for(d, client, asked, request)})
    return client.controllers


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
    controller = controller_for(d, client, body.controller, request)
    pseudonym = r.query.subject_pseudonym(body.subject)
    tracked = r.rights.receive(
        pseudonym,
        controller,
        body.right,
        _actor(client, body.employee),
        body.details,
        body.received_on,
    )
    return request_out(tracked)


@rights_router.get("/requests", response_model=list[RequestOut])
def list_requests(
    request: Request,
    d: ConsentDeps,
    r: Rights,
    client: ClientDep,
    open_only: Annotated[bool, Query(alias="open", description="Only those not decided")] = False,
    overdue: Annotated[bool, Query(description="Only those past their deadline")] = False,
    controller: Annotated[str | None, Query(description="Only this one of the client's controllers")] = None,
) -> list[RequestOut]:
    """Requests by deadline, for the desk's worklist (pseudonyms only), at the client's controllers."""
    require_scope(client, Scope.SUBJECT_ACCESS, d, request, Scope.SUBJECT_ERASURE)
    at = _listed_at(d, client, controller, request)
    today = dutch_date(datetime.now(UTC))
    found = r.reads.requests(open_only, today if overdue else None)
    return [request_out(t) for t in found if t.chain in at]


@rights_router.get("/requests/{request_id}", response_model=RequestOut)
def get_request(
    request_id: IdPath, request: Request, d: ConsentDeps, r: Rights, client: ClientDep
) -> RequestOut:
    require_scope(client, Scope.SUBJECT_ACCESS, d, request, Scope.SUBJECT_ERASURE)
    return request_out(_own_request(r, client, request_id))


@rights_router.post("/requests/{request_id}/erasure", response_model=DecisionOut)
def decide_erasure(
    request_id: IdPath, body: DecideIn, request: Request, d: ConsentDeps, r: Rights, client: ClientDep
) -> DecisionOut:
    """Decide an erasure request (art. 17): erase what may go, keep what must stay, each with the
    rule or the law that still runs."""
    require_scope(client, Scope.SUBJECT_ERASURE, d, request)
    _own_request(r, client, request_id)
    return decision_out(r.rights.decide_erasure(request_id, _actor(client, body.employee), body.note))


@rights_router.post("/requests/{request_id}/restriction", response_model=DecisionOut)
def decide_restriction(
    request_id: IdPath, body: DecideIn, request: Request, d: ConsentDeps, r: Rights, client: ClientDep
) -> DecisionOut:
    """Decide a restriction request (art. 18): consent answers about the subject become no."""
    require_scope(client, Scope.SUBJECT_ERASURE, d, request)
    _own_request(r, client, request_id)
    return decision_out(r.rights.decide_restriction(request_id, _actor(client, body.employee), body.note))


@rights_router.post("/holds", status_code=201, response_model=HoldOut)
def place_hold(body: HoldIn, request: Request, d: ConsentDeps, r: Rights, client: ClientDep) -> HoldOut:
    """A legal hold (art. 17(3)(e)): the retention run and erasure requests leave the subject's
    data at the controller alone until `until`."""
    require_scope(client, Scope.SUBJECT_ERASURE, d, request)
    controller = controller_for(d, client, body.controller, request)
    pseudonym = r.query.subject_pseudonym(body.subject)
    actor = _actor(client, body.employee)
    hold = r.rights.place_hold(pseudonym, controller, "legal-hold", actor, body.until, body.reason)
    return hold_out(hold, "placed")


@rights_router.get("/holds", response_model=list[HoldListed])
def list_holds(
    request: Request,
    d: ConsentDeps,
    r: Rights,
    client: ClientDep,
    controller: Annotated[str | None, Query(description="Only this one of the client's controllers")] = None,
) -> list[HoldListed]:
    """Legal holds and restrictions not lifted at the client's controllers (pseudonyms only), each
    with its end and the request it serves; a legal hold past its last day is listed with
    `in_force: false`."""
    require_scope(client, Scope.SUBJECT_ACCESS, d, request, Scope.SUBJECT_ERASURE)
    today = dutch_date(datetime.now(UTC))
    return [hold_listed(h, today) for h in r.reads.all_holds(_listed_at(d, client, controller, request))]


@rights_router.post("/holds/{hold_id}/lift", response_model=HoldOut)
def lift_hold(
    hold_id: IdPath, body: LiftIn, request: Request, d: ConsentDeps, r: Rights, client: ClientDep
) -> HoldOut:
    """Lift a legal hold or a restriction before its end."""
    require_scope(client, Scope.SUBJECT_ERASURE, d, request)
    found = r.reads.hold(hold_id)
    if found is None or found.controller not in client.controllers:
        raise ApiRefusal(404, "unknown-hold", "no hold with this id is in force", "hold_id")
    return hold_out(r.rights.lift_hold(hold_id, _actor(client, body.employee), body.reason), "lifted")


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
    if body.request_id is not None:
        _own_request(r, client, body.request_id)
    controller = controller_for(d, client, body.controller, request) if body.controller else None
    tracked = r.rights.access_request(pseudonym, actor, body.request_id, controller)
    report = r.reports.build(pseudonym, hint, tracked.chain)
    html = render_html(report, RECEIPTS_NAME, tracked)
    pdf = render_pdf(report, RECEIPTS_NAME, tracked)
    tracked = r.rights.report_handed_over(tracked, list(report.complete_up_to), actor)
    complete = ", ".join(f"{c}={n}" for c, n in report.complete_up_to.items())
    headers = {"Ledger-Complete-Up-To": complete, "Ledger-Request": tracked.request_id}
    if "application/pdf" in accept:
        return Response(pdf, media_type="application/pdf", headers=headers)
    if "text/html" in accept:
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)
    out = AccessReportOut(
        request=request_out(tracked),
        complete_up_to=report.complete_up_to,
        entries=len(report.lines),
        erasures=len(report.erased),
        html=html,
        pdf_base64=base64.b64encode(pdf).decode(),
        receipts=report.receipts,
    )
    return JSONResponse(out.model_dump(mode="json"), headers=headers)

"""The consent questions over HTTP: status, as-of, bulk, history. Authenticated clients with
scopes; every answer and every refusal counted. Fail closed: no record means not allowed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from ledger_contracts.problems import (
    ApiRefusal,
    problem_responses,
)
from ledger_contracts.vocabulary import ConsentPurpose

from ...app.clients import CONTROLLER_PATTERN, Client, ControllerRefused, Scope
from ...app.consent_query import ConsentAnswer, HistoryEntry, SubjectRefused
from ...core.consent_state import DPV_STATE
from .access import ClientDep, ConsentApiDeps, Deps, refused, require_scope
from .consent_models import (
    CONTROLLER_FIELD,
    BulkIn,
    BulkOut,
    ConsentQueryIn,
    ConsentRecord,
    ConsentStatusOut,
    HistoryIn,
    HistoryItem,
    HistoryOut,
    Moment,
    PseudonymPath,
)

__all__ = ["consent_router"]


def _pseudonyms(d: ConsentApiDeps, values: list[str], request: Request, indexed: bool = True) -> list[str]:
    """BSNs or pseudonyms as sent, as pseudonyms; one refusal naming the first bad one."""
    try:
        return [d.query.pseudonym_of(v, i if indexed else None) for i, v in enumerate(values)]
    except SubjectRefused as exc:
        refused(d, "invalid-subject", request)
        raise ApiRefusal(422, "invalid-subject", str(exc), exc.field) from None


def _path_pseudonym(d: ConsentApiDeps, subject: str, request: Request, instead: str) -> str:
    """The subject in a URL: a pseudonym only; a BSN there gets its own refusal."""
    if subject.isdigit():
        refused(d, "bsn-in-url", request)
        raise ApiRefusal(400, "bsn-in-url", f"never put a BSN in a URL; POST {instead}", "subject")
    return _pseudonyms(d, [subject], request, indexed=False)[0]


def controller_for(d: ConsentApiDeps, client: Client, asked: str | None, request: Request) -> str:
    """The one controller a request is answered for (app.clients.Client.controller), or a 403."""
    try:
        return client.controller(asked)
    except ControllerRefused as exc:
        refused(d, exc.reason, request)
        raise ApiRefusal(403, exc.reason, str(exc), "controller") from None


def _out(answer: ConsentAnswer, client: Client) -> ConsentStatusOut:
    out = ConsentStatusOut(
        subject=answer.subject,
        purpose=ConsentPurpose(answer.purpose),
        controller=answer.controller,
        allowed=answer.status.allowed,
        as_of=answer.as_of,
    )
    if not client.may(Scope.STATUS):
        return out  # the yes/no and nothing more
    f = answer.status.basis
    out.reason, out.state = answer.status.reason, answer.status.state
    if f is not None and answer.location is not None:
        out.record = ConsentRecord(
            event_id=f.event_id,
            event_type=f.event_type,
            occurred_at=f.occurred_at,
            valid_until=f.valid_until,
            chain=answer.location[0],
            seq=answer.location[1],
        )
    return out


def _answered(d: ConsentApiDeps, endpoint: str, client: Client, answer: ConsentAnswer) -> ConsentStatusOut:
    d.metrics.consent_queries.labels(endpoint, client.client_id, str(answer.status.allowed).lower()).inc()
    return _out(answer, client)


# --- routes ---------------------------------------------------------------------------------

consent_router = APIRouter(
    prefix="/v1",
    tags=["consent"],
    responses=problem_responses(400, 401, 403, 422),
)


@consent_router.get(
    "/consents/{subject}/{purpose}", response_model=ConsentStatusOut, response_model_exclude_none=True
)
def consent_status(
    subject: PseudonymPath,
    purpose: ConsentPurpose,
    request: Request,
    d: Deps,
    client: ClientDep,
    as_of: Annotated[Moment | None, Query(description="Ask about this moment instead of now")] = None,
    controller: Annotated[
        str | None, Query(description=CONTROLLER_FIELD, max_length=64, pattern=CONTROLLER_PATTERN)
    ] = None,
) -> ConsentStatusOut:
    """May this controller, now (or on `as_of`)? `subject` is a ledger pseudonym; a BSN goes in the
    body of POST /v1/consents/query, never in a URL."""
    require_scope(client, Scope.CHECK, d, request)
    org = controller_for(d, client, controller, request)
    pseudonym = _path_pseudonym(d, subject, request, "/v1/consents/query")
    answer = d.query.status(pseudonym, purpose, org, datetime.now(UTC), as_of)
    return _answered(d, "status", client, answer)


@consent_router.post("/consents/query", response_model=ConsentStatusOut, response_model_exclude_none=True)
def consent_query(body: ConsentQueryIn, request: Request, d: Deps, client: ClientDep) -> ConsentStatusOut:
    """The same question with the subject (BSN or pseudonym) in the body."""
    require_scope(client, Scope.CHECK, d, request)
    org = controller_for(d, client, body.controller, request)
    subject = d.query.subject_pseudonym(body.subject)
    answer = d.query.status(subject, body.purpose, org, datetime.now(UTC), body.as_of)
    return _answered(d, "query", client, answer)


@consent_router.post("/consents/bulk", response_model=BulkOut)
def consent_bulk(body: BulkIn, request: Request, d: Deps, client: ClientDep) -> BulkOut:
    """Who may be mailed: up to 10,000 subjects in one request, one yes/no each, in order."""
    require_scope(client, Scope.CHECK, d, request)
    org = controller_for(d, client, body.controller, request)
    pseudonyms = _pseudonyms(d, body.subjects, request)
    now = datetime.now(UTC)
    answers = d.query.allowed_now(pseudonyms, body.purpose, org, now)
    n = sum(answers)
    d.metrics.consent_bulk_subjects.labels(client.client_id).inc(len(answers))
    d.metrics.consent_queries.labels("bulk", client.client_id, "true").inc(n)
    d.metrics.consent_queries.labels("bulk", client.client_id, "false").inc(len(answers) - n)
    return BulkOut(purpose=body.purpose, controller=org, as_of=now, allowed=answers, count_allowed=n)


@consent_router.get("/subjects/{subject}/consents", response_model=HistoryOut)
def history(
    subject: PseudonymPath,
    request: Request,
    d: Deps,
    client: ClientDep,
    controller: Annotated[
        str | None, Query(description=CONTROLLER_FIELD, max_length=64, pattern=CONTROLLER_PATTERN)
    ] = None,
) -> HistoryOut:
    """One subject's consent history at one controller, every event and notice in ledger order
    (the auditor's view)."""
    require_scope(client, Scope.HISTORY, d, request)
    org = controller_for(d, client, controller, request)
    return _history(d, client, _path_pseudonym(d, subject, request, "/v1/consents/history"), org)


@consent_router.post("/consents/history", response_model=HistoryOut)
def history_query(body: HistoryIn, request: Request, d: Deps, client: ClientDep) -> HistoryOut:
    require_scope(client, Scope.HISTORY, d, request)
    org = controller_for(d, client, body.controller, request)
    return _history(d, client, d.query.subject_pseudonym(body.subject), org)


def _history(d: ConsentApiDeps, client: Client, subject: str, controller: str) -> HistoryOut:
    entries = d.query.history(subject, controller)
    d.metrics.consent_queries.labels("history", client.client_id, str(bool(entries)).lower()).inc()
    return HistoryOut(subject=subject, controller=controller, entries=[_item(h) for h in entries])


def _item(h: HistoryEntry) -> HistoryItem:
    data = {k: v for k, v in h.event["data"].items() if k != "subject"}
    return HistoryItem(
        chain=h.chain,
        seq=h.seq,
        recorded_at=h.recorded_at,
        event_type=h.event["event_type"],
        event_id=h.event["event_id"],
        occurred_at=h.event["occurred_at"],
        purpose=ConsentPurpose(h.purpose),
        state=DPV_STATE.get(h.event["event_type"]),
        data=data,
    )

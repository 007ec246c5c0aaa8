"""The consent questions over HTTP: status, as-of, bulk, history. Authenticated clients with
scopes; every answer and every refusal counted. Fail closed: no record means not allowed."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from ledger_contracts.problems import (
    PROBLEM_MEDIA_TYPE,
    ApiRefusal,
    describe_invalid,
    problem_body,
    problem_responses,
)
from ledger_contracts.subjects import PSEUDONYM_PATTERN, SubjectRef
from ledger_contracts.vocabulary import ConsentPurpose
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field

from ..app.clients import ApiClients, Client, ClientRefused, Scope
from ..app.consent_query import MAX_BULK, ConsentAnswer, ConsentQuery, HistoryEntry, SubjectRefused
from ..core.consent_state import DPV_STATE
from .metrics import LedgerMetrics

__all__ = [
    "ClientDep",
    "ConsentApiDeps",
    "ApiRefusal",
    "Deps",
    "consent_router",
    "invalid_input_response",
    "refusal_response",
    "require_scope",
    "served_part",
]

log = logging.getLogger("consent_ledger.access")
# Scopes whose every use is logged with the client and counted, beside the entries they write.
RECORDED_USES = frozenset({Scope.SUBJECT_ACCESS, Scope.SUBJECT_ERASURE, Scope.REGISTER_ADMIN})


class ConsentApiDeps:
    def __init__(self, query: ConsentQuery, clients: ApiClients, metrics: LedgerMetrics) -> None:
        self.query, self.clients, self.metrics = query, clients, metrics


def invalid_input_response(exc: RequestValidationError) -> JSONResponse:
    """FastAPI's validation errors (without its "body"/"query"/"path" part) in the one refusal
    shape: where and what, never the value sent."""
    detail, field = describe_invalid(exc.errors(), skip=1)
    return refusal_response(ApiRefusal(422, "invalid-input", detail, field))


def refusal_response(exc: ApiRefusal) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    body = problem_body(exc.status, exc.error, exc.detail, exc.field)
    return JSONResponse(body, exc.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


# --- models ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*[-+]?[0-9.]+(e[-+]?[0-9]+)?\s*$", re.I)


def _rfc3339_only(value: object) -> object:
    """Pydantic would read 0.5 as a Unix time; a moment must be written as an RFC 3339 date-time."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError("a date-time with offset, e.g. 2026-03-01T12:00:00+01:00")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_rfc3339_only)]


class ConsentRecord(BaseModel):
    """The ledger entry an answer rests on."""

    event_id: str
    event_type: str
    occurred_at: datetime
    valid_until: datetime | None
    chain: str
    seq: int


class ConsentStatusOut(BaseModel):
    subject: str = Field(description="The subject's pseudonym")
    purpose: ConsentPurpose
    allowed: bool
    as_of: datetime
    reason: str | None = Field(
        None,
        description="consent:status only: no-consent-record, given, renewed, refused, withdrawn, restricted…",
    )
    state: str | None = Field(None, description="consent:status only: the DPV consent status that holds")
    record: ConsentRecord | None = Field(None, description="consent:status only")


class ConsentQueryIn(BaseModel):
    subject: SubjectRef
    purpose: ConsentPurpose
    as_of: Moment | None = Field(None, description="Ask about this moment instead of now")


class BulkIn(BaseModel):
    purpose: ConsentPurpose
    subjects: list[Annotated[str, Field(max_length=80)]] = Field(
        min_length=1, max_length=MAX_BULK, description="BSNs or ledger pseudonyms"
    )


class BulkOut(BaseModel):
    purpose: ConsentPurpose
    as_of: datetime
    allowed: list[bool] = Field(description="One answer per subject, in the order asked")
    count_allowed: int


class HistoryIn(BaseModel):
    subject: SubjectRef


class HistoryItem(BaseModel):
    chain: str
    seq: int
    recorded_at: str
    event_type: str
    event_id: str
    occurred_at: str
    purpose: ConsentPurpose
    state: str | None = Field(None, description="DPV status the event expresses; none for a notice")
    data: dict[str, Any] = Field(description="The event's data as the ledger holds it (sealed text left out)")


class HistoryOut(BaseModel):
    subject: str
    entries: list[HistoryItem]


# The pattern is published for clients; the handler checks it, so a BSN gets its own refusal.
PseudonymPath = Annotated[
    str, Path(description="A ledger pseudonym, never a BSN", json_schema_extra={"pattern": PSEUDONYM_PATTERN})
]

# --- dependencies ---------------------------------------------------------------------------


def _deps(request: Request) -> ConsentApiDeps:
    return request.app.state.consent  # type: ignore[no-any-return]


Deps = Annotated[ConsentApiDeps, Depends(_deps)]


def served_part(request: Request, name: str, what: str) -> object:
    """A part of the API that this process may not serve (`app.state.<name>`), or a 503 saying so."""
    found = getattr(request.app.state, name, None)
    if found is None:
        raise ApiRefusal(503, f"no-{name}-service", f"this ledger process does not serve {what}")
    return found


def _client(request: Request, d: Deps) -> Client:
    try:
        return d.clients.authenticate(request.headers.get("authorization"))
    except ClientRefused as exc:
        _refused(d, exc.reason, request)
        raise ApiRefusal(401, exc.reason, str(exc)) from None


ClientDep = Annotated[Client, Depends(_client)]


def _refused(d: ConsentApiDeps, reason: str, request: Request) -> None:
    d.metrics.consent_refused.labels(reason=reason).inc()
    route = getattr(request.scope.get("route"), "path", "(no route)")
    log.warning("api request refused: %s on %s %s", reason, request.method, route)


def require_scope(client: Client, scope: Scope, d: ConsentApiDeps, request: Request, *either: Scope) -> None:
    """Refuse unless the client has `scope` (or one of `either`). A use of a scope that acts on no
    subject's entries is recorded here: a log line naming the client, and a count."""
    wanted = (scope, *either)
    granted = next((s for s in wanted if client.may(s)), None)
    if granted is None:
        _refused(d, "missing-scope", request)
        named = " or ".join(str(s) for s in wanted)
        raise ApiRefusal(403, "missing-scope", f"client {client.client_id} lacks scope {named}")
    if granted in RECORDED_USES:
        route = getattr(request.scope.get("route"), "path", "(no route)")
        d.metrics.scope_uses.labels(client=client.client_id, scope=str(granted)).inc()
        log.info("client %s used %s: %s %s", client.client_id, granted, request.method, route)


def _pseudonyms(d: ConsentApiDeps, values: list[str], request: Request, indexed: bool = True) -> list[str]:
    """BSNs or pseudonyms as sent, as pseudonyms; one refusal naming the first bad one."""
    try:
        return [d.query.pseudonym_of(v, i if indexed else None) for i, v in enumerate(values)]
    except SubjectRefused as exc:
        _refused(d, "invalid-subject", request)
        raise ApiRefusal(422, "invalid-subject", str(exc), exc.field) from None


def _path_pseudonym(d: ConsentApiDeps, subject: str, request: Request, instead: str) -> str:
    """The subject in a URL: a pseudonym only; a BSN there gets its own refusal."""
    if subject.isdigit():
        _refused(d, "bsn-in-url", request)
        raise ApiRefusal(400, "bsn-in-url", f"never put a BSN in a URL; POST {instead}", "subject")
    return _pseudonyms(d, [subject], request, indexed=False)[0]


def _out(answer: ConsentAnswer, client: Client) -> ConsentStatusOut:
    out = ConsentStatusOut(
        subject=answer.subject,
        purpose=ConsentPurpose(answer.purpose),
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
) -> ConsentStatusOut:
    """May we, now (or on `as_of`)? `subject` is a ledger pseudonym; a BSN goes in the body of
    POST /v1/consents/query, never in a URL."""
    require_scope(client, Scope.CHECK, d, request)
    pseudonym = _path_pseudonym(d, subject, request, "/v1/consents/query")
    answer = d.query.status(pseudonym, purpose, datetime.now(UTC), as_of)
    return _answered(d, "status", client, answer)


@consent_router.post("/consents/query", response_model=ConsentStatusOut, response_model_exclude_none=True)
def consent_query(body: ConsentQueryIn, request: Request, d: Deps, client: ClientDep) -> ConsentStatusOut:
    """The same question with the subject (BSN or pseudonym) in the body."""
    require_scope(client, Scope.CHECK, d, request)
    subject = d.query.subject_pseudonym(body.subject)
    answer = d.query.status(subject, body.purpose, datetime.now(UTC), body.as_of)
    return _answered(d, "query", client, answer)


@consent_router.post("/consents/bulk", response_model=BulkOut)
def consent_bulk(body: BulkIn, request: Request, d: Deps, client: ClientDep) -> BulkOut:
    """Who may be mailed: up to 10,000 subjects in one request, one yes/no each, in order."""
    require_scope(client, Scope.CHECK, d, request)
    pseudonyms = _pseudonyms(d, body.subjects, request)
    now = datetime.now(UTC)
    answers = d.query.allowed_now(pseudonyms, body.purpose, now)
    n = sum(answers)
    d.metrics.consent_bulk_subjects.labels(client.client_id).inc(len(answers))
    d.metrics.consent_queries.labels("bulk", client.client_id, "true").inc(n)
    d.metrics.consent_queries.labels("bulk", client.client_id, "false").inc(len(answers) - n)
    return BulkOut(purpose=body.purpose, as_of=now, allowed=answers, count_allowed=n)


@consent_router.get("/subjects/{subject}/consents", response_model=HistoryOut)
def history(subject: PseudonymPath, request: Request, d: Deps, client: ClientDep) -> HistoryOut:
    """One subject's consent history, every event and notice in ledger order (the auditor's view)."""
    require_scope(client, Scope.HISTORY, d, request)
    return _history(d, client, _path_pseudonym(d, subject, request, "/v1/consents/history"))


@consent_router.post("/consents/history", response_model=HistoryOut)
def history_query(body: HistoryIn, request: Request, d: Deps, client: ClientDep) -> HistoryOut:
    require_scope(client, Scope.HISTORY, d, request)
    return _history(d, client, d.query.subject_pseudonym(body.subject))


def _history(d: ConsentApiDeps, client: Client, subject: str) -> HistoryOut:
    entries = d.query.history(subject)
    d.metrics.consent_queries.labels("history", client.client_id, str(bool(entries)).lower()).inc()
    return HistoryOut(subject=subject, entries=[_item(h) for h in entries])


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

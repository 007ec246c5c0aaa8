"""`POST /v1/events`: CloudEvents over HTTP (CloudEvents HTTP Protocol Binding 1.0: structured,
binary and batch content modes), for producers that cannot reach Redis, e.g. a notification
service's webhook subscription.

Each event is screened here exactly as the consumer screens it (parse, the NL GOV profile, the
producer's signature and rights, preparation), so a refusal is the dead-letter reason the broker
path would give, answered at once as a 4xx problem instead of a dead letter. Only an event that
passes is put on its stream, and 202 is answered only after Redis acknowledged the XADD; the consumer
then appends it as any other (a repeat is recorded once). A batch is all or nothing."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import unquote

import orjson
import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from ledger_contracts import Refusal
from ledger_contracts.cloudevents import CE_SIGNATURE_ATTRIBUTE, is_cloudevent
from ledger_contracts.jsontext import read_json
from ledger_contracts.problems import PROBLEM_MEDIA_TYPE, problem_body
from ledger_contracts.streams import EVENT_FIELD, MAX_EVENT_BYTES, stream_for
from pydantic import BaseModel, Field
from redis.typing import EncodableT, FieldT

from ...app.ingest import IngestService
from ...app.screening import DeadLetter, RawEntry
from ...core.errors import Refused as LedgerRefused
from ..metrics import LedgerMetrics

__all__ = ["MAX_BATCH", "EventsApiDeps", "events_router"]

log = logging.getLogger("consent_ledger.http")

STRUCTURED = "application/cloudevents+json"  # HTTP binding §3.2
BATCH = "application/cloudevents-batch+json"  # HTTP binding §3.3
CE_HEADER = "ce-"  # HTTP binding §3.1.3
MAX_BATCH = 1000
STATUS = {  # a refusal's HTTP status, by the dead-letter reason the broker path would give
    Refusal.MISSING_EVENT_FIELD: 400,
    Refusal.NOT_JSON: 400,
    Refusal.NOT_AN_OBJECT: 400,
    Refusal.OVERSIZED: 413,
    Refusal.UNAUTHENTICATED_PRODUCER: 401,
    Refusal.PRODUCER_NOT_ALLOWED: 403,
}


@dataclass
class EventsApiDeps:
    ingest: IngestService
    redis: aioredis.Redis
    metrics: LedgerMetrics


class Accepted(BaseModel):
    id: str = Field(description="The event's id")
    stream: str = Field(description="The stream it was put on")
    entry: str = Field(description="Its Redis stream entry id")


class AcceptedOut(BaseModel):
    accepted: list[Accepted]


class Refused(LedgerRefused):
    """An event refused over HTTP, with the status the events route answers (a refusal of the
    input, or 503 when the broker did not take it)."""

    def __init__(self, status: int, error: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail, reason=error)
        self.http_status, self.detail, self.field = status, detail, field


def _deps(request: Request) -> EventsApiDeps:
    deps: EventsApiDeps = request.app.state.events
    return deps


Deps = Annotated[EventsApiDeps, Depends(_deps)]
events_router = APIRouter(prefix="/v1", tags=["events"])


@events_router.post(
    "/events",
    status_code=202,
    response_model=AcceptedOut,
    responses={
        400: {"description": "not JSON, not an object, or no event"},
        401: {"description": "unauthenticated_producer: unsigned, badly signed, unknown or disabled"},
        403: {"description": "producer_not_allowed: not for this event type or controller"},
        413: {"description": "oversized: an event over 64 KiB, or the body over LEDGER_HTTP_MAX_BODY"},
        415: {"description": "not a CloudEvents content mode"},
        422: {"description": "the event's contract (validation_failed, invalid_bsn, ...)"},
        503: {"description": "Redis did not take it; nothing was accepted"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A CloudEvent in structured mode, a batch of them, or one in binary mode "
            "(its attributes in ce-* headers, its data as an application/json body)",
            "content": {
                STRUCTURED: {"schema": {"type": "object"}},
                BATCH: {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def post_events(request: Request, d: Deps) -> Any:
    """One CloudEvent (structured or binary mode) or a batch; signed by its producer (`ledgersig`
    attribute, or the `ce-ledgersig` header in binary mode). 202 once each is on its stream."""
    try:
        bodies = _events_of(request.headers, await request.body())
    except Refused as exc:
        d.metrics.http_events_refused.labels(reason=exc.reason).inc()
        return _problem(exc)
    entries = [RawEntry("http", str(i), {EVENT_FIELD.encode(): body}) for i, body in enumerate(bodies)]
    screened = await asyncio.to_thread(d.ingest.screen, entries)
    if screened.refused:
        for dead in screened.refused:
            d.metrics.http_events_refused.labels(reason=str(dead.refusal.reason)).inc()
        return _refusals(screened.refused, batch=len(bodies) > 1)
    accepted = []
    try:
        async with d.redis.pipeline(transaction=False) as pipe:
            for entry, prepared in screened.ready:
                stream = stream_for(prepared.event["event_type"])
                fields: dict[FieldT, EncodableT] = {EVENT_FIELD: entry.fields[EVENT_FIELD.encode()]}
                pipe.xadd(stream, fields)
                accepted.append((prepared.event_id, stream))
            ids = await pipe.execute()
    except (aioredis.RedisError, OSError) as exc:
        log.error("events over HTTP not put on their streams: %s", type(exc).__name__)
        return _problem(Refused(503, "broker-unavailable", "Redis did not take the events; send them again"))
    d.metrics.http_events_accepted.inc(len(accepted))
    out = [Accepted(id=i, stream=s, entry=_text(e)) for (i, s), e in zip(accepted, ids, strict=True)]
    return JSONResponse(AcceptedOut(accepted=out).model_dump(), status_code=202)


def _events_of(headers: Any, body: bytes) -> list[bytes]:
    """The structured-mode JSON of each event the request carries (binary mode turned into it)."""
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    binary = any(name.lower().startswith(CE_HEADER) for name in headers)
    if binary:
        return [_from_binary(headers, media, body)]
    if media == STRUCTURED:
        return [body]
    if media == BATCH:
        try:
            events = read_json(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise Refused(400, Refusal.NOT_JSON, "the batch is not UTF-8 JSON") from None
        if not isinstance(events, list) or not events:
            raise Refused(400, Refusal.NOT_AN_OBJECT, "a batch is a JSON array of one or more CloudEvents")
        if len(events) > MAX_BATCH:
            raise Refused(413, Refusal.OVERSIZED, f"at most {MAX_BATCH} events in one batch")
        return [_json(e) for e in events]
    raise Refused(
        415,
        "unsupported-media-type",
        f"send a CloudEvent: {STRUCTURED}, {BATCH}, or binary mode (ce-specversion and the other "
        "ce-* headers)",
    )


def _from_binary(headers: Any, media: str, body: bytes) -> bytes:
    """Binary mode (HTTP binding §3.1): the attributes from the ce-* headers, percent-decoded as sent
    (so that the signed text is what the producer signed), the data from the body."""
    attributes: dict[str, Any] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith(CE_HEADER):
            attributes[lower[len(CE_HEADER) :]] = unquote(value)
    if media and media != "application/json":
        raise Refused(415, "unsupported-media-type", "binary mode carries JSON data (application/json)")
    if len(body) > MAX_EVENT_BYTES:
        raise Refused(413, Refusal.OVERSIZED, f"{len(body)} bytes; the limit is {MAX_EVENT_BYTES}")
    try:
        data = read_json(body) if body else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, Refusal.NOT_JSON, "the data is not UTF-8 JSON") from None
    event = {**attributes, "datacontenttype": "application/json", "data": data}
    if not is_cloudevent(event):
        raise Refused(400, Refusal.NOT_AN_OBJECT, "binary mode needs the ce-specversion header")
    return _json(event)


def _json(event: Any) -> bytes:
    if not isinstance(event, dict):
        raise Refused(400, Refusal.NOT_AN_OBJECT, "each event is a JSON object")
    try:
        return orjson.dumps(event)
    except TypeError:  # an integer beyond 64 bits: the contracts have none
        raise Refused(422, Refusal.VALIDATION_FAILED, "a number the contracts cannot hold") from None


def _refusals(refused: list[DeadLetter], batch: bool) -> JSONResponse:
    first = refused[0].refusal
    status = STATUS.get(first.reason, 422)
    field = _field(first.errors)
    body = problem_body(status, str(first.reason), first.detail, field)
    if batch:
        body["detail"] = f"{len(refused)} of the batch refused, nothing of it accepted; first: {first.detail}"
        body["refusals"] = [
            {
                "index": int(dead.source.entry_id),
                "error": str(dead.refusal.reason),
                "detail": dead.refusal.detail,
                **({"field": f} if (f := _field(dead.refusal.errors)) else {}),
            }
            for dead in refused
        ]
    return JSONResponse(body, status, media_type=PROBLEM_MEDIA_TYPE, headers=_auth(status))


def _field(errors: list[dict[str, Any]]) -> str | None:
    if not errors:
        return None
    loc = [str(part) for part in errors[0].get("loc", [])][1:]
    return ".".join(loc) or None


def _problem(exc: Refused) -> JSONResponse:
    body = problem_body(exc.http_status, exc.reason, exc.detail, exc.field)
    return JSONResponse(body, exc.http_status, media_type=PROBLEM_MEDIA_TYPE, headers=_auth(exc.http_status))


def _auth(status: int) -> dict[str, str] | None:
    return {"WWW-Authenticate": f'Signature attribute="{CE_SIGNATURE_ATTRIBUTE}"'} if status == 401 else None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)

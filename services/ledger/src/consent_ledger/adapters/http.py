"""HTTP API: consent status (first cut), /health and /metrics."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from ledger_contracts.streams import EVENT_STREAMS, LEDGER_GROUP
from ledger_contracts.subjects import PSEUDONYM_PATTERN, SubjectRef
from ledger_contracts.vocabulary import ConsentPurpose
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from ..app.consent_query import ConsentAnswer, ConsentQuery
from .metrics import LedgerMetrics
from .sql_store import SqlLedgerStore

__all__ = ["HttpDeps", "create_app"]


class HttpDeps:
    def __init__(
        self, store: SqlLedgerStore, redis: aioredis.Redis, metrics: LedgerMetrics, query: ConsentQuery
    ) -> None:
        self.store, self.redis, self.metrics, self.query = store, redis, metrics, query


class ConsentRecord(BaseModel):
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
    reason: str
    as_of: datetime
    record: ConsentRecord | None


class ConsentQueryIn(BaseModel):
    subject: SubjectRef
    purpose: ConsentPurpose


def _get_deps(request: Request) -> HttpDeps:
    return request.app.state.deps  # type: ignore[no-any-return]


Deps = Annotated[HttpDeps, Depends(_get_deps)]


def _out(answer: ConsentAnswer) -> ConsentStatusOut:
    f = answer.status.basis
    record = None
    if f is not None and answer.location is not None:
        record = ConsentRecord(
            event_id=f.event_id,
            event_type=f.event_type,
            occurred_at=f.occurred_at,
            valid_until=f.valid_until,
            chain=answer.location[0],
            seq=answer.location[1],
        )
    return ConsentStatusOut(
        subject=answer.subject,
        purpose=ConsentPurpose(answer.purpose),
        allowed=answer.status.allowed,
        reason=answer.status.reason,
        as_of=answer.as_of,
        record=record,
    )


def create_app(deps: HttpDeps) -> FastAPI:
    app = FastAPI(title="Consent and disclosure ledger", version="0.1.0")

    app.state.deps = deps

    @app.get("/v1/consents/{subject}/{purpose}", response_model=ConsentStatusOut)
    def consent_status(subject: str, purpose: ConsentPurpose, d: Deps) -> ConsentStatusOut:
        """Fail closed: no record, or anything but a current grant, answers allowed=false."""
        if subject.isdigit():
            raise HTTPException(400, "bsn_in_url: never put a BSN in a URL; POST /v1/consents/query")
        if not re.fullmatch(PSEUDONYM_PATTERN, subject):
            raise HTTPException(422, "invalid_subject: expected a ledger pseudonym 'p<version>-<64 hex>'")
        return _out(d.query.status(subject, purpose, datetime.now(UTC)))

    @app.post("/v1/consents/query", response_model=ConsentStatusOut)
    def consent_query(body: ConsentQueryIn, d: Deps) -> ConsentStatusOut:
        """The same question with the subject in the body: a BSN is allowed here."""
        subject = d.query.subject_pseudonym(body.subject)
        return _out(d.query.status(subject, body.purpose, datetime.now(UTC)))

    @app.get("/health")
    async def health(d: Deps, response: Response) -> dict[str, Any]:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(asyncio.to_thread(d.store.ping), 5)
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            await asyncio.wait_for(d.redis.ping(), 5)
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"error: {type(exc).__name__}"
        healthy = all(v == "ok" for v in checks.values())
        response.status_code = 200 if healthy else 503
        return {"status": "ok" if healthy else "unavailable", **checks}

    @app.get("/metrics")
    async def metrics(d: Deps) -> Response:
        await _refresh_lag(d)
        return Response(generate_latest(d.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


async def _refresh_lag(d: HttpDeps) -> None:
    """Consumer lag per stream: Redis 7 reports `lag`; older servers, the pending count."""
    for stream in EVENT_STREAMS:
        try:
            groups = await d.redis.xinfo_groups(stream)
        except Exception:  # noqa: BLE001 - stream not created yet
            continue
        for g in groups:
            name = g.get("name")
            if (name.decode() if isinstance(name, bytes) else name) == LEDGER_GROUP:
                lag = g.get("lag")
                d.metrics.consumer_lag.labels(stream=stream).set(
                    (lag if lag is not None else 0) + (g.get("pending") or 0)
                )

"""The ledger's HTTP app: one router per resource (consent.py, proofs.py, rights.py, registers.py,
events.py, ldv.py), /health, /metrics, the published documents, and one handler per kind of error.
Built once per process by the composition root (bootstrap/api.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from ledger_contracts.streams import EVENT_STREAMS, LEDGER_GROUP
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from redis.exceptions import ResponseError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ...app.checkpoints import CheckpointRefused, Checkpoints
from ...app.clients import ApiClients, Scope
from ...app.consent_query import ConsentQuery
from ...app.ingest import IngestService
from ...app.rights_model import RequestRefused
from ...core.errors import LedgerError
from ..broker.guard import StreamGuard
from ..metrics import LedgerMetrics
from ..sql.errors import translated
from ..sql.store import SqlLedgerStore
from .access import (
    ApiRefusal,
    ClientDep,
    ConsentApiDeps,
    invalid_input_response,
    refusal_response,
    require_scope,
)
from .consent import consent_router
from .events import EventsApiDeps, events_router
from .health import dependency_checks, readiness, store_and_broker
from .ldv import LdvApiDeps, ldv_router
from .proofs import proofs_router
from .registers import RegisterApiDeps, registers_router
from .rights import RightsApiDeps, refusal_of, rights_router

__all__ = ["HttpDeps", "create_app"]


@dataclass(frozen=True)
class HttpDeps:
    """Everything the routes answer from; built once per process by bootstrap.api.build_api."""

    store: SqlLedgerStore
    redis: aioredis.Redis
    metrics: LedgerMetrics
    query: ConsentQuery
    clients: ApiClients
    checkpoints: Checkpoints
    rights: RightsApiDeps
    registers: RegisterApiDeps
    ingest: IngestService  # events over HTTP, beside the broker
    asyncapi: dict[str, Any]
    ldv: LdvApiDeps
    guard: StreamGuard | None = None  # /health reports a broker loss when there is one


def _get_deps(request: Request) -> HttpDeps:
    return request.app.state.deps  # type: ignore[no-any-return]


Deps = Annotated[HttpDeps, Depends(_get_deps)]


def create_app(deps: HttpDeps) -> FastAPI:
    # no trailing-slash redirect: Starlette builds it from the Host header the client sent
    app = FastAPI(title="Consent and disclosure ledger", version="0.1.0", redirect_slashes=False)

    app.state.deps = deps
    app.state.consent = ConsentApiDeps(deps.query, deps.clients, deps.metrics)
    app.state.checkpoints = deps.checkpoints
    app.state.rights, app.state.registers = deps.rights, deps.registers
    app.include_router(consent_router)
    app.include_router(proofs_router)
    app.include_router(rights_router)
    app.include_router(registers_router)
    app.state.ldv = deps.ldv
    app.include_router(ldv_router)
    app.state.events = EventsApiDeps(deps.ingest, deps.redis, deps.metrics)
    app.include_router(events_router)
    document = deps.asyncapi

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi() -> dict[str, Any]:
        """The AsyncAPI 3.0 document of the streams, beside this OpenAPI document."""
        return document

    @app.exception_handler(ApiRefusal)
    async def _refusal(request: Request, exc: ApiRefusal) -> Response:
        return refusal_response(exc)

    @app.exception_handler(RequestRefused)
    @app.exception_handler(CheckpointRefused)  # the access report signs checkpoints first
    @app.exception_handler(ValidationError)
    async def _use_case_refused(request: Request, exc: Exception) -> Response:
        return refusal_response(refusal_of(exc))  # type: ignore[arg-type]

    @app.exception_handler(LedgerError)
    async def _ledger_error(request: Request, exc: LedgerError) -> Response:
        """Any other error of the ledger's family, by its kind: refused 4xx, unavailable 503."""
        return refusal_response(ApiRefusal(exc.http_status, exc.reason, str(exc)))

    @app.exception_handler(SQLAlchemyError)
    async def _database_error(request: Request, exc: SQLAlchemyError) -> Response:
        """A database outage or contention in the middle of a request: 503 or 409, not a 500."""
        found = translated(exc)
        if found is None:
            raise exc
        return refusal_response(ApiRefusal(found.http_status, found.reason, str(found)))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Framework refusals (unreadable JSON, unknown route) in the same shape as ours."""
        error = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
        response = refusal_response(ApiRefusal(exc.status_code, error, str(exc.detail)))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:  # Starlette names only the first route's methods for the path
            response.headers["Allow"] = ", ".join(_methods_at(request))
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return invalid_input_response(exc)

    @app.get("/health", responses={503: {"description": "database or broker does not answer"}})
    async def health(d: Deps, response: Response) -> dict[str, Any]:
        checks = await dependency_checks(store_and_broker(d.store.ping, d.redis))
        healthy = all(v == "ok" for v in checks.values())
        response.status_code = 200 if healthy else 503
        lost = d.guard.degraded() if d.guard and healthy else None
        if lost:  # working, but events may have been lost: for the operator, not the load balancer
            checks["broker"] = lost
        return {"status": "degraded" if lost else "ok" if healthy else "unavailable", **checks}

    @app.get("/ready", responses={503: {"description": "database or broker does not answer"}})
    async def ready(d: Deps, response: Response) -> dict[str, Any]:
        """Readiness, as every process answers it: 503 while the database or the broker does not."""
        response.status_code, body = readiness(
            await dependency_checks(store_and_broker(d.store.ping, d.redis))
        )
        return body

    @app.get(
        "/metrics",
        response_class=Response,
        responses={
            200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}, "description": "Prometheus"},
            401: {"description": "no valid client token"},
            403: {"description": "the client lacks scope metrics:read"},
        },
    )
    async def metrics(d: Deps, request: Request, client: ClientDep) -> Response:
        """For the Prometheus server, with a client token of scope metrics:read (bearer_token)."""
        require_scope(client, Scope.METRICS, request.app.state.consent, request)
        await _refresh_lag(d)
        return Response(generate_latest(d.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _methods_at(request: Request) -> list[str]:
    """Every method some route serves at the request's path."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


async def _refresh_lag(d: HttpDeps) -> None:
    """Consumer lag per stream: Redis 7 reports `lag`; older servers, the pending count."""
    for stream in EVENT_STREAMS:
        try:
            groups = await asyncio.wait_for(d.redis.xinfo_groups(stream), 2)
        except ResponseError:  # stream not created yet
            continue
        except Exception:  # noqa: BLE001 - Redis does not answer: /metrics answers with what it has
            return
        for g in groups:
            name = g.get("name")
            if (name.decode() if isinstance(name, bytes) else name) == LEDGER_GROUP:
                lag = g.get("lag")
                d.metrics.consumer_lag.labels(stream=stream).set(
                    (lag if lag is not None else 0) + (g.get("pending") or 0)
                )

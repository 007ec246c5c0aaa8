"""/metrics, /health and /ready for a process that serves no API (a `consume` replica, the notifier on
its own): /metrics for the Prometheus server with a client token of scope metrics:read, answered as
the API's, also while the database is down (app.clients: a token confirmed before is still taken);
/health, liveness: 200 while the process answers, with what its dependencies say; /ready,
readiness: 503 while the database or the broker does not answer, naming which."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from ledger_contracts.problems import PROBLEM_MEDIA_TYPE, ApiRefusal, problem_body
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from ...app.clients import ApiClients, ClientRefused, ClientsUnavailable, Scope
from .health import Check, dependency_checks, readiness

__all__ = ["metrics_app"]


def metrics_app(clients: ApiClients, registry: CollectorRegistry, checks: Mapping[str, Check]) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, redirect_slashes=False)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        found = await dependency_checks(checks)
        return {"status": "ok" if all(v == "ok" for v in found.values()) else "degraded", **found}

    @app.get("/ready")
    async def ready() -> Response:
        status, body = readiness(await dependency_checks(checks))
        return JSONResponse(body, status_code=status)

    @app.exception_handler(ApiRefusal)
    async def _refusal(request: Request, exc: ApiRefusal) -> Response:
        body = problem_body(exc.status, exc.error, exc.detail, exc.field)
        return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_MEDIA_TYPE)

    @app.get("/metrics")
    async def metrics(request: Request) -> Response:
        try:
            client = clients.authenticate(request.headers.get("authorization"))
        except ClientRefused as exc:
            raise ApiRefusal(401, exc.reason, str(exc)) from None
        except ClientsUnavailable as exc:
            raise ApiRefusal(503, "database-unavailable", str(exc)) from None
        if not client.may(Scope.METRICS):
            raise ApiRefusal(403, "missing-scope", f"client {client.client_id} lacks scope {Scope.METRICS}")
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app

"""The HTTP face of the notifier when it runs as its own process: its page and API under a path,
and /metrics for the Prometheus server with a client token of scope metrics:read, as the ledger's."""

from __future__ import annotations

from consent_ledger.app.clients import ClientRefused, Scope
from consent_ledger.bootstrap import Ledger
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from ledger_contracts.problems import PROBLEM_MEDIA_TYPE, ApiRefusal, problem_body
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

__all__ = ["notifier_process_app"]


def notifier_process_app(notifier_app: FastAPI, ledger: Ledger, path: str) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.exception_handler(ApiRefusal)
    async def _refusal(request: Request, exc: ApiRefusal) -> Response:
        body = problem_body(exc.status, exc.error, exc.detail, exc.field)
        return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_MEDIA_TYPE)

    @app.get("/metrics")
    async def metrics(request: Request) -> Response:
        try:
            client = ledger.clients.authenticate(request.headers.get("authorization"))
        except ClientRefused as exc:
            raise ApiRefusal(401, exc.reason, str(exc)) from None
        if not client.may(Scope.METRICS):
            raise ApiRefusal(403, "missing-scope", f"client {client.client_id} lacks scope {Scope.METRICS}")
        return Response(generate_latest(ledger.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.mount(path, notifier_app)
    return app

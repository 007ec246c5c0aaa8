"""The HTTP face of the notifier when it runs as its own process: its page and API under a path,
and /metrics, /health and /ready as a `consume` replica's (its databases, the ledger's it reads
for the subject directory and its own, and Redis)."""

from __future__ import annotations

import asyncio

from consent_ledger.adapters.http.health import store_and_broker
from consent_ledger.adapters.http.metrics import metrics_app
from consent_ledger.bootstrap.ledger import Ledger
from consent_notifier.adapters.deps import NotifierDeps
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import text

__all__ = ["mount_notifier", "notifier_process_app"]


def mount_notifier(app: FastAPI, notifier_app: FastAPI, path: str) -> None:
    """The notifier under `path`; the bare path leads to its page by a redirect that names the path
    only (the apps make no redirect of their own from the Host header a client sent)."""
    app.add_api_route(path, lambda: RedirectResponse(f"{path}/", status_code=307), include_in_schema=False)
    app.mount(path, notifier_app)


def notifier_process_app(notifier_app: FastAPI, notifier: NotifierDeps, ledger: Ledger, path: str) -> FastAPI:
    def ping_own() -> None:
        with notifier.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    checks = {
        **store_and_broker(ledger.store.ping, ledger.redis),
        "notifier database": lambda: asyncio.to_thread(ping_own),
    }
    app = metrics_app(ledger.clients, ledger.metrics.registry, checks)
    mount_notifier(app, notifier_app, path)
    return app

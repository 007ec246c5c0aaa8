"""The HTTP face of the notifier when it runs as its own process: its page and API under a path,
and /metrics for the Prometheus server, as a `consume` replica's."""

from __future__ import annotations

from consent_ledger.adapters.http_metrics import metrics_app
from consent_ledger.bootstrap import Ledger
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

__all__ = ["mount_notifier", "notifier_process_app"]


def mount_notifier(app: FastAPI, notifier_app: FastAPI, path: str) -> None:
    """The notifier under `path`; the bare path leads to its page by a redirect that names the path
    only (the apps make no redirect of their own from the Host header a client sent)."""
    app.add_api_route(path, lambda: RedirectResponse(f"{path}/", status_code=307), include_in_schema=False)
    app.mount(path, notifier_app)


def notifier_process_app(notifier_app: FastAPI, ledger: Ledger, path: str) -> FastAPI:
    app = metrics_app(ledger.clients, ledger.metrics.registry)
    mount_notifier(app, notifier_app, path)
    return app

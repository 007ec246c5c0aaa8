"""The HTTP face of the notifier when it runs as its own process: its page and API under a path,
and /metrics for the Prometheus server, as a `consume` replica's."""

from __future__ import annotations

from consent_ledger.adapters.http_metrics import metrics_app
from consent_ledger.bootstrap import Ledger
from fastapi import FastAPI

__all__ = ["notifier_process_app"]


def notifier_process_app(notifier_app: FastAPI, ledger: Ledger, path: str) -> FastAPI:
    app = metrics_app(ledger.clients, ledger.metrics.registry)
    app.mount(path, notifier_app)
    return app

"""The HTTP app over a ledger: the consent questions, proofs, the subject's rights, the register, the
events route, the LDV records and the published documents, with the use cases they answer from; and
the metrics-only app of a `consume` replica."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from .. import __version__ as VERSION
from ..adapters.broker.asyncapi import asyncapi_document
from ..adapters.broker.guard import StreamGuard
from ..adapters.http.app import HttpDeps, create_app
from ..adapters.http.health import store_and_broker
from ..adapters.http.ldv import LdvApiDeps
from ..adapters.http.metrics import metrics_app
from ..adapters.http.registers import RegisterApiDeps
from ..adapters.http.rights import RightsApiDeps
from ..app.checkpoints import Checkpoints
from ..app.consent_query import ConsentQuery
from ..config import Settings
from .ledger import Ledger
from .privacy import Privacy, build_checkpoints, build_privacy

__all__ = ["Api", "build_api", "build_metrics_app"]


@dataclass
class Api:
    """The HTTP app and the use cases behind it that the process's chores also run."""

    app: FastAPI
    checkpoints: Checkpoints
    privacy: Privacy
    query: ConsentQuery


def build_api(
    settings: Settings, ledger: Ledger, privacy: Privacy | None = None, guard: StreamGuard | None = None
) -> Api:
    """The whole API over `ledger`; the checkpoint signer refuses to start without a key outside dev
    mode. `privacy`: its use cases when the caller built them (a test's clock), else built here;
    `guard`: the stream guard whose state /health reports."""
    checkpoints = build_checkpoints(settings, ledger.store)
    privacy = privacy or build_privacy(settings, ledger.store)
    query = ConsentQuery(ledger.store, ledger.pseudonyms)
    app = create_app(
        HttpDeps(
            store=ledger.store,
            redis=ledger.redis,
            metrics=ledger.metrics,
            query=query,
            clients=ledger.clients,
            checkpoints=checkpoints,
            rights=RightsApiDeps(
                privacy.rights, privacy.rights_reads, privacy.access_reports(checkpoints), query
            ),
            registers=RegisterApiDeps(privacy.appender, privacy.pseudonyms, privacy.reads),
            ingest=ledger.ingest,
            asyncapi=asyncapi_document(ledger.broker, VERSION),
            ldv=LdvApiDeps(ledger.store, settings.ldv_key(), settings.public_url, VERSION, settings.keks()),
            guard=guard,
        )
    )
    return Api(app, checkpoints, privacy, query)


def build_metrics_app(ledger: Ledger) -> FastAPI:
    """/metrics and /health only: what a `consume` replica serves to the Prometheus server."""
    checks = store_and_broker(ledger.store.ping, ledger.redis)
    return metrics_app(ledger.clients, ledger.metrics.registry, checks)

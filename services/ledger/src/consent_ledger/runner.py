"""The ledger's long-running processes: `consume` (one consumer replica) and `serve` (the HTTP API
with the ledger's chores: checkpoints, consent expiry, retention, stream trimming and guarding).
`up` (consent_platform) runs both in one process with the notifier."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from ledger_contracts.chore_log import ChoreLog
from ledger_contracts.dutch_time import dutch_date
from ledger_contracts.streams import ACCEPTED_CONSENT_STREAM, EVENT_STREAMS, LEDGER_GROUP, NOTIFIER_GROUP

from .adapters.broker.accepted_relay import AcceptedRelay
from .adapters.broker.groups import ensure_groups
from .adapters.broker.guard import StreamGuard
from .adapters.broker.trimmer import StreamTrimmer
from .adapters.chores.checkpoints import CheckpointScheduler
from .adapters.chores.expiry import ExpiryScheduler
from .adapters.chores.retention import RetentionScheduler
from .adapters.collector import tune_collector
from .adapters.http.limits import BodyLimit
from .adapters.log_hygiene import AccessLog
from .app.internal_producers import internal_signer, register_internal_producers
from .app.registers import publish_register_files
from .bootstrap.api import build_api, build_metrics_app
from .bootstrap.ledger import Ledger, build_ledger
from .bootstrap.privacy import Privacy

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .adapters.metrics import LedgerMetrics
    from .app.checkpoints import Checkpoints
    from .config import Settings

__all__ = ["LedgerApi", "http_server", "ledger_groups", "run_api", "run_consumer", "start_api"]

log = logging.getLogger("consent_ledger")


def ledger_groups(with_notifier: bool = False) -> dict[str, tuple[str, ...]]:
    """The consumer groups that must read each stream before it is trimmed: the ledger's on the input
    streams, and with the notifier beside it, the notifier's on the accepted facts it reads (which the
    ledger then publishes; without a notifier they wait in the database)."""
    groups: dict[str, tuple[str, ...]] = {stream: (LEDGER_GROUP,) for stream in EVENT_STREAMS}
    if with_notifier:
        groups[ACCEPTED_CONSENT_STREAM] = (NOTIFIER_GROUP,)
    return groups


@dataclass
class LedgerApi:
    """The HTTP API and the chores of one ledger, started by start_api and stopped by stop()."""

    ledger: Ledger
    checkpoints: Checkpoints
    privacy: Privacy
    app: FastAPI
    guard: StreamGuard
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    def server(self, settings: Settings) -> uvicorn.Server:
        return http_server(settings, self.ledger.metrics, self.app)

    async def stop(self) -> None:
        guarding, *rest = self.tasks
        self.guard.stop()  # first: it would start the subscribers that broker.stop() stops
        guarding.cancel()
        for task in rest:
            task.cancel()
        # bounded: a chore caught in a call that ignores cancellation cannot hold the shutdown
        await asyncio.wait(self.tasks, timeout=10)


def http_server(settings: Settings, metrics: LedgerMetrics, app: Any) -> uvicorn.Server:
    """uvicorn serving `app` behind the body limit and the access log of route templates."""
    return uvicorn.Server(
        uvicorn.Config(
            BodyLimit(AccessLog(app), settings.http_max_body, metrics.bodies_refused.inc),
            host=settings.http_host,
            port=settings.http_port,
            log_level="info",
            log_config=None,  # its lines go through the process's handler (log_hygiene)
            access_log=False,  # it logs raw paths and query strings; AccessLog logs route templates
        )
    )


def start_api(
    settings: Settings, ledger: Ledger, required: Mapping[str, tuple[str, ...]], consuming: bool
) -> LedgerApi:
    """The HTTP API over `ledger` and its chores, started on the running event loop. `required`: the
    groups that must read each stream before the trimmer removes an entry (the guard recreates a
    missing one). `consuming`: this process also runs the ledger's broker, whose stopped subscribers
    the guard starts again; without, it starts none."""
    guard = StreamGuard(
        ledger.redis,
        ledger.broker if consuming else None,
        ledger.metrics,
        dict(required),
        remember=broker_loss_file(settings),
    )
    api = build_api(settings, ledger, guard=guard)  # refuses to start without a checkpoint key
    checkpoints, privacy = api.checkpoints, api.privacy
    register_internal_producers(ledger.producers, ledger.kek, datetime.now(UTC))
    for head in ledger.store.heads():
        ledger.metrics.chain_length.labels(chain=head.chain).set(head.length)
    ledger.metrics.own_api_gauges()
    ledger.metrics.subject_requests_overdue.set_function(
        _last_known(
            lambda: privacy.rights_reads.overdue_count(dutch_date(datetime.now(UTC))),
            "counting the overdue subject requests",
        )
    )
    if settings.dev_mode:
        for line in publish_register_files(privacy, settings.register_dir or Path("register")):
            log.info("%s", line)
    expiring = ExpiryScheduler(
        ledger.store,
        ledger.redis,
        ledger.metrics,
        signer=internal_signer(ledger.kek, "ledger-expiry"),
        organisation=settings.organisation,
    )
    tasks = [
        asyncio.create_task(guard.run()),
        asyncio.create_task(expiring.run()),
        *(
            [asyncio.create_task(AcceptedRelay(ledger.store.engine, ledger.redis, ledger.metrics).run())]
            if ACCEPTED_CONSENT_STREAM in required
            else []
        ),
        asyncio.create_task(CheckpointScheduler(checkpoints, ledger.metrics).run()),
        asyncio.create_task(StreamTrimmer(ledger.redis, ledger.metrics, dict(required)).run()),
        asyncio.create_task(
            RetentionScheduler(
                privacy.retention, ledger.metrics, settings.retention_hour, privacy.rights
            ).run()
        ),
    ]
    log.info("checkpoints signed by %s", ", ".join(str(v) for v in checkpoints.verifiers()))
    return LedgerApi(ledger, checkpoints, privacy, api.app, guard, tasks)


def broker_loss_file(settings: Settings) -> Path:
    """Where the guards of this host write a Redis loss, so that each says degraded for the hour."""
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings.home / "broker-lost.json"


def _last_known(count: Callable[[], int], what: str) -> Callable[[], float]:
    """A gauge's value read at each scrape; while the database does not answer, the last value read
    (a scrape must answer through an outage: issue 29 item 5), the failure logged as a chore's."""
    last = [0.0]
    failures = ChoreLog(log, what)

    def value() -> float:
        try:
            last[0] = float(count())
        except Exception as exc:  # noqa: BLE001 - logged by ChoreLog; the scrape answers all the same
            failures.failed(exc)
        else:
            failures.succeeded()
        return last[0]

    return value


def run_api(settings: Settings, required: Mapping[str, tuple[str, ...]]) -> None:
    """`serve`: the HTTP API and the chores, without a consumer (run `consume` replicas beside it)."""

    async def serve() -> None:
        ledger = build_ledger(settings, settings.redis_url or "")
        for stream, groups in required.items():  # made at the start: the guard's alarm is for losing them
            for group in groups:
                await ensure_groups(ledger.redis, group, (stream,))
        api = start_api(settings, ledger, required, consuming=False)
        log.info("ledger API up: http://%s:%d", settings.http_host, settings.http_port)
        try:
            await api.server(settings).serve()
        finally:
            await api.stop()
            await ledger.redis.aclose()
            ledger.store.dispose()

    asyncio.run(serve())


def run_consumer(settings: Settings, metrics_port: int | None = None) -> None:
    """One ledger replica: the consumer only, until interrupted; with `metrics_port`, /metrics on
    that port of LEDGER_HTTP_HOST for the Prometheus server."""

    async def consume() -> None:
        ledger = build_ledger(settings, settings.redis_url or "")
        await ensure_groups(ledger.redis)
        await ledger.consumer.start()
        tune_collector()
        await ledger.broker.start()
        guard = StreamGuard(
            ledger.redis, ledger.broker, ledger.metrics, ledger_groups(), remember=broker_loss_file(settings)
        )
        tasks = [asyncio.create_task(guard.run())]
        if metrics_port is not None:
            app = build_metrics_app(ledger)
            served = settings.model_copy(update={"http_port": metrics_port})
            tasks.append(asyncio.create_task(http_server(served, ledger.metrics, app).serve()))
        try:
            await asyncio.Event().wait()
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await ledger.broker.stop()
            await ledger.consumer.drain()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(consume())

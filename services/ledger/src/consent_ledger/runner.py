"""`consent-ledger up`: ledger consumer, notifier and HTTP API in one process."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import uvicorn
from consent_notifier.adapters.http import create_notifier_app
from consent_notifier.adapters.outbox import OutboxRelay
from consent_notifier.app.actors import Actor
from consent_notifier.bootstrap import build_notifier
from consent_notifier.config import NotifierSettings
from consent_notifier.core.roles import Role
from consent_notifier.service import NOTIFIER_STREAMS, NotifierService, background
from ledger_contracts.streams import EVENT_STREAMS, LEDGER_GROUP, NOTIFIER_GROUP

from .adapters.checkpoint_scheduler import CheckpointScheduler
from .adapters.collector import tune_collector
from .adapters.consumer import drop_unread_groups, ensure_groups
from .adapters.embedded_redis import EmbeddedRedis
from .adapters.expiry_scheduler import ExpiryScheduler
from .adapters.http import HttpDeps, create_app
from .adapters.http_limits import BodyLimit
from .adapters.http_registers import RegisterApiDeps
from .adapters.http_rights import RightsApiDeps
from .adapters.log_hygiene import AccessLog
from .adapters.retention_scheduler import RetentionScheduler
from .adapters.stream_guard import StreamGuard
from .adapters.stream_trimmer import StreamTrimmer
from .adapters.subject_directory import LedgerSubjectDirectory
from .app.access_report import AccessReports
from .app.consent_query import ConsentQuery
from .app.internal_producers import internal_signer, register_internal_producers
from .app.registers import publish_register_files
from .bootstrap import build_checkpoints, build_ledger, build_privacy
from .config import Settings
from .core.sealing import derive_key

__all__ = ["AlreadyUp", "run_consumer", "run_up"]

log = logging.getLogger("consent_ledger")
NOTIFIER_PATH = "/telefoon"  # the employee's worklist page and the notifier API


class AlreadyUp(RuntimeError):
    """Another `up` runs in this home."""


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # uvicorn hands a SIGTERM it caught back to the previous handler after its shutdown; the default
    # one would end the process before `finally` stops the embedded redis-server.
    raise SystemExit(0)


def _one_up_per_home(home: Path) -> IO[str]:
    """An exclusive lock on `home/up.lock`, held while `up` runs; refuses when another holds it."""
    home.mkdir(parents=True, exist_ok=True)
    lock = (home / "up.lock").open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        pid = lock.read().strip() or "?"
        lock.close()
        raise AlreadyUp(f"consent-ledger up already runs in {home} (pid {pid}); stop it first") from None
    lock.truncate(0)
    lock.write(str(os.getpid()))
    lock.flush()
    return lock


def run_up(settings: Settings) -> None:
    """Raises AlreadyUp, before starting anything, when another `up` runs in the same home."""
    lock = _one_up_per_home(settings.home)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    embedded = None
    try:
        redis_url = settings.redis_url
        if not redis_url:
            embedded = EmbeddedRedis(settings.home)
            redis_url = embedded.start()
            log.info("embedded redis-server at %s (data in %s)", redis_url, embedded.dir)
        asyncio.run(_serve(settings, redis_url))
    finally:
        if embedded:
            embedded.stop()
        lock.close()


async def _serve(settings: Settings, redis_url: str) -> None:
    ledger = build_ledger(settings, redis_url)
    checkpoints = build_checkpoints(settings, ledger.store)  # refuses to start without a key
    register_internal_producers(ledger.producers, ledger.kek, datetime.now(UTC))
    notifier_settings = NotifierSettings()
    notifier = build_notifier(
        notifier_settings,
        settings.home,
        LedgerSubjectDirectory(ledger.store, ledger.pseudonyms, notifier_settings.controller),
        ledger.metrics.registry,
        number_key=derive_key(ledger.kek, b"consent-notifier/v1/number-key"),
    )
    seeded = notifier.admin.seed(Actor("system", frozenset({Role.ADMINISTRATOR}), "service"))
    if seeded:
        log.info("known-party registry seeded from art. 8 lid 3: %s", ", ".join(seeded))
    NotifierService(ledger.broker, f"notifier-{settings.consumer.consumer_name}", notifier, ledger.redis)
    await ensure_groups(ledger.redis)
    await ensure_groups(ledger.redis, NOTIFIER_GROUP, NOTIFIER_STREAMS)
    unread = tuple(s for s in EVENT_STREAMS if s not in NOTIFIER_STREAMS)
    await drop_unread_groups(ledger.redis, NOTIFIER_GROUP, unread)
    required = {
        stream: (LEDGER_GROUP, NOTIFIER_GROUP) if stream in NOTIFIER_STREAMS else (LEDGER_GROUP,)
        for stream in EVENT_STREAMS
    }
    guard = StreamGuard(ledger.redis, ledger.broker, ledger.metrics, required)
    query = ConsentQuery(ledger.store, ledger.pseudonyms)
    privacy = build_privacy(settings, ledger.store)
    rights = RightsApiDeps(
        privacy.rights,
        privacy.rights_reads,
        AccessReports(privacy.rights_reads, privacy.kek, checkpoints),
        query,
    )
    registers = RegisterApiDeps(privacy.appender, privacy.pseudonyms, privacy.reads)
    app = create_app(
        HttpDeps(
            ledger.store,
            ledger.redis,
            ledger.metrics,
            query,
            ledger.clients,
            checkpoints,
            rights,
            registers,
            guard,
        )
    )
    app.mount(NOTIFIER_PATH, create_notifier_app(notifier))
    server = uvicorn.Server(
        uvicorn.Config(
            BodyLimit(AccessLog(app), settings.http_max_body, ledger.metrics.bodies_refused.inc),
            host=settings.http_host,
            port=settings.http_port,
            log_level="info",
            access_log=False,  # it logs raw paths and query strings; AccessLog logs route templates
        )
    )
    for head in ledger.store.heads():
        ledger.metrics.chain_length.labels(chain=head.chain).set(head.length)
    await ledger.consumer.start()
    tune_collector()
    await ledger.broker.start()
    relay = OutboxRelay(
        notifier.store, ledger.redis, notifier.metrics, signer=internal_signer(ledger.kek, "notifier")
    )
    chores = asyncio.create_task(background(notifier, relay))
    expiring = ExpiryScheduler(
        ledger.store, ledger.redis, ledger.metrics, signer=internal_signer(ledger.kek, "ledger-expiry")
    )
    expiry = asyncio.create_task(expiring.run())
    signing = asyncio.create_task(CheckpointScheduler(checkpoints, ledger.metrics).run())
    trimming = asyncio.create_task(StreamTrimmer(ledger.redis, ledger.metrics, required).run())
    guarding = asyncio.create_task(guard.run())
    ledger.metrics.subject_requests_overdue.set_function(
        lambda: privacy.rights_reads.overdue_count(datetime.now(UTC).date())
    )
    if settings.dev_mode:
        for line in publish_register_files(privacy, settings.register_dir or Path("register")):
            log.info("%s", line)
    retaining = asyncio.create_task(
        RetentionScheduler(privacy.retention, ledger.metrics, settings.retention_hour).run()
    )
    log.info("checkpoints signed by %s", ", ".join(str(v) for v in checkpoints.verifiers()))
    log.info(
        "ledger up: database %s, broker %s, http://%s:%d (worklist page: /telefoon/)",
        ledger.store.engine.url.render_as_string(hide_password=True),
        redis_url,
        settings.http_host,
        settings.http_port,
    )
    try:
        await server.serve()
    finally:
        guarding.cancel()  # first: it would start the subscribers that broker.stop() stops
        with contextlib.suppress(asyncio.CancelledError):
            await guarding
        chores.cancel()
        expiry.cancel()
        signing.cancel()
        trimming.cancel()
        retaining.cancel()
        await ledger.broker.stop()
        await ledger.consumer.drain()
        await ledger.redis.aclose()
        ledger.store.dispose()


def run_consumer(settings: Settings) -> None:
    """One ledger replica: the consumer only, until interrupted."""

    async def consume() -> None:
        ledger = build_ledger(settings, settings.redis_url or "")
        await ensure_groups(ledger.redis)
        await ledger.consumer.start()
        tune_collector()
        await ledger.broker.start()
        guard = StreamGuard(
            ledger.redis, ledger.broker, ledger.metrics, {s: (LEDGER_GROUP,) for s in EVENT_STREAMS}
        )
        guarding = asyncio.create_task(guard.run())
        try:
            await asyncio.Event().wait()
        finally:
            guarding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await guarding
            await ledger.broker.stop()
            await ledger.consumer.drain()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(consume())

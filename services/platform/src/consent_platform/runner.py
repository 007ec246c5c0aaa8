"""`consent-ledger up`: the ledger consumer, the notifier and the HTTP API in one process, and
`consent-ledger notifier`: the notifier alone (its consumer, outbox relay, worklist page and API)."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
from pathlib import Path
from typing import IO

from consent_ledger.adapters.broker.groups import drop_unread_groups, ensure_groups
from consent_ledger.adapters.collector import tune_collector
from consent_ledger.app.internal_producers import internal_signer
from consent_ledger.bootstrap.ledger import Ledger, build_ledger
from consent_ledger.config import Settings
from consent_ledger.core.sealing import derive_key
from consent_ledger.runner import http_server, ledger_groups, start_api
from consent_notifier.adapters.app import create_notifier_app
from consent_notifier.adapters.broker import NotifierService, background
from consent_notifier.adapters.deps import NotifierDeps
from consent_notifier.adapters.outbox import OutboxRelay
from consent_notifier.app.actors import Actor
from consent_notifier.bootstrap import build_notifier
from consent_notifier.config import NotifierSettings
from consent_notifier.core.roles import Role
from faststream.redis import RedisBroker
from ledger_contracts.streams import EVENT_STREAMS, NOTIFIER_GROUP, NOTIFIER_STREAMS

from consent_platform.embedded_redis import EmbeddedRedis

from .notifier_app import mount_notifier, notifier_process_app
from .subject_directory import LedgerSubjectDirectory

__all__ = ["NOTIFIER_PATH", "AlreadyUp", "product_groups", "run_notifier", "run_up"]

log = logging.getLogger("consent_ledger")
NOTIFIER_PATH = "/telefoon"  # the employee's worklist page and the notifier API


class AlreadyUp(RuntimeError):
    """Another `up` runs in this home."""


def product_groups() -> dict[str, tuple[str, ...]]:
    """The groups that must read each stream: the ledger's everywhere, the notifier's on its own."""
    return ledger_groups(with_notifier=True)


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


def _notifier(settings: Settings, ledger: Ledger, broker: RedisBroker, consumer_name: str) -> NotifierDeps:
    """The notifier over the ledger's subject directory, subscribed on the ledger's broker."""
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
    NotifierService(
        broker,
        consumer_name,
        notifier,
        ledger.redis,
        reclaim_idle_ms=settings.consumer.reclaim_idle_ms,
        max_deliveries=settings.consumer.max_deliveries,
    )
    return notifier


def _relay(notifier: NotifierDeps, ledger: Ledger) -> OutboxRelay:
    """The outbox relay, signing as the notifier, giving up after NOTIFIER_OUTBOX_MAX_ATTEMPTS."""
    return OutboxRelay(
        notifier.store,
        ledger.redis,
        notifier.metrics,
        max_attempts=NotifierSettings().outbox_max_attempts,
        signer=internal_signer(ledger.kek, "notifier"),
    )


async def _notifier_groups(ledger: Ledger) -> None:
    await ensure_groups(ledger.redis, NOTIFIER_GROUP, NOTIFIER_STREAMS)
    unread = tuple(s for s in EVENT_STREAMS if s not in NOTIFIER_STREAMS)
    await drop_unread_groups(ledger.redis, NOTIFIER_GROUP, unread)


async def _serve(settings: Settings, redis_url: str) -> None:
    ledger = build_ledger(settings, redis_url)
    notifier = _notifier(settings, ledger, ledger.broker, f"notifier-{settings.consumer.consumer_name}")
    await ensure_groups(ledger.redis)
    await _notifier_groups(ledger)
    api = start_api(settings, ledger, product_groups(), consuming=True)
    mount_notifier(api.app, create_notifier_app(notifier), NOTIFIER_PATH)
    server = api.server(settings)
    await ledger.consumer.start()
    tune_collector()
    await ledger.broker.start()
    chores = asyncio.create_task(background(notifier, _relay(notifier, ledger)))
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
        await api.stop()
        chores.cancel()
        await ledger.broker.stop()
        await ledger.consumer.drain()
        await ledger.redis.aclose()
        ledger.store.dispose()


def run_notifier(settings: Settings) -> None:
    """The notifier alone: its consumer group on its own broker (the ledger's consumer is not
    started here), the outbox relay, the worklist page and API under /telefoon, and /metrics. It
    reads the ledger's database for its subject directory; run `consume` and `serve` beside it."""

    async def serve() -> None:
        redis_url = NotifierSettings().redis_url or settings.redis_url or ""  # its own Redis user
        ledger = build_ledger(settings, redis_url)  # the store, pseudonyms and keys; never consumes
        broker = RedisBroker(redis_url, logger=logging.getLogger("consent_notifier.faststream"))
        notifier = _notifier(settings, ledger, broker, f"notifier-{os.getpid()}")
        await _notifier_groups(ledger)
        app = notifier_process_app(create_notifier_app(notifier), notifier, ledger, NOTIFIER_PATH)
        server = http_server(settings, ledger.metrics, app)
        await broker.start()
        chores = asyncio.create_task(background(notifier, _relay(notifier, ledger)))
        log.info("notifier up: http://%s:%d%s/", settings.http_host, settings.http_port, NOTIFIER_PATH)
        try:
            await server.serve()
        finally:
            chores.cancel()
            await broker.stop()
            await ledger.redis.aclose()
            ledger.store.dispose()

    asyncio.run(serve())

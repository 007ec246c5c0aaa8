"""`consent-ledger up`: ledger consumer, notifier and HTTP API in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn
from consent_notifier import NotifierService
from ledger_contracts.streams import NOTIFIER_GROUP

from .adapters.consumer import ensure_groups
from .adapters.embedded_redis import EmbeddedRedis
from .adapters.http import HttpDeps, create_app
from .app.consent_query import ConsentQuery
from .bootstrap import build_ledger
from .config import Settings

__all__ = ["run_consumer", "run_up"]

log = logging.getLogger("consent_ledger")


def run_up(settings: Settings) -> None:
    embedded = None
    redis_url = settings.redis_url
    if not redis_url:
        embedded = EmbeddedRedis(settings.home)
        redis_url = embedded.start()
        log.info("embedded redis-server at %s (data in %s)", redis_url, embedded.dir)
    try:
        asyncio.run(_serve(settings, redis_url))
    finally:
        if embedded:
            embedded.stop()


async def _serve(settings: Settings, redis_url: str) -> None:
    ledger = build_ledger(settings, redis_url)
    NotifierService(ledger.broker, f"notifier-{settings.consumer.consumer_name}", ledger.metrics.registry)
    await ensure_groups(ledger.redis)
    await ensure_groups(ledger.redis, NOTIFIER_GROUP)
    app = create_app(
        HttpDeps(ledger.store, ledger.redis, ledger.metrics, ConsentQuery(ledger.store, ledger.pseudonyms))
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.http_host, port=settings.http_port, log_level="info")
    )
    for head in ledger.store.heads():
        ledger.metrics.chain_length.labels(chain=head.chain).set(head.length)
    await ledger.broker.start()
    log.info(
        "ledger up: database %s, broker %s, http://%s:%d",
        ledger.store.engine.url.render_as_string(hide_password=True),
        redis_url,
        settings.http_host,
        settings.http_port,
    )
    try:
        await server.serve()
    finally:
        await ledger.broker.stop()
        await ledger.redis.aclose()
        ledger.store.engine.dispose()


def run_consumer(settings: Settings) -> None:
    """One ledger replica: the consumer only, until interrupted."""

    async def consume() -> None:
        ledger = build_ledger(settings, settings.redis_url or "")
        await ensure_groups(ledger.redis)
        await ledger.broker.start()
        try:
            await asyncio.Event().wait()
        finally:
            await ledger.broker.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(consume())

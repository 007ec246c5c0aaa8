"""The consuming side of a ledger: the broker, the screening pool, the ingest use case, the producers
and the API clients over one store, as `consume`, `serve` and `up` run them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis.asyncio as aioredis
from faststream.redis import RedisBroker

from ..adapters.broker.consumer import LedgerConsumer
from ..adapters.broker.screening_pool import ScreeningPool
from ..adapters.metrics import LedgerMetrics
from ..adapters.sql.clients import SqlClientStore
from ..adapters.sql.dead_letters import SqlDeadLetters
from ..adapters.sql.producers import SqlProducerStore
from ..adapters.sql.store import SqlLedgerStore
from ..app.append import BatchAppender
from ..app.clients import ApiClients
from ..app.ingest import IngestService
from ..app.producers import ProducerGate
from ..config import Settings
from ..core.pseudonyms import Pseudonymizer
from .privacy import pseudonymizer
from .store import build_store

__all__ = ["Ledger", "build_ledger"]


@dataclass
class Ledger:
    settings: Settings
    store: SqlLedgerStore
    metrics: LedgerMetrics
    broker: RedisBroker
    redis: aioredis.Redis
    ingest: IngestService
    pseudonyms: Pseudonymizer
    clients: ApiClients
    producers: SqlProducerStore
    kek: bytes
    consumer: LedgerConsumer


def build_ledger(settings: Settings, redis_url: str, store: SqlLedgerStore | None = None) -> Ledger:
    """On `store` when given, else on the settings' own. Nothing connects yet: the broker and the
    consumer start when the process starts them (runner)."""
    pkey, kek = settings.keys()
    pseudonyms = pseudonymizer(settings, pkey)
    store = store or build_store(settings)
    metrics = LedgerMetrics()
    metrics.chains_known(h.chain for h in store.heads())
    producers = SqlProducerStore(store.engine)
    gate = None if settings.dev_mode else ProducerGate(producers)
    appender = BatchAppender(store, kek, previous_keks=settings.previous_keks())
    ingest = IngestService(appender, pseudonyms, gate, store.answers)
    # FastStream's own log: its errors (a read that fails, a subscriber it stops) at their level, the
    # line per message at DEBUG
    broker = RedisBroker(
        redis_url, logger=logging.getLogger("consent_ledger.faststream"), log_level=logging.DEBUG
    )
    client = aioredis.Redis.from_url(redis_url)
    workers = settings.consumer.screening_workers
    consumer = LedgerConsumer(
        broker,
        client,
        ingest,
        metrics,
        settings.consumer,
        settings.dead_letter_key_bytes(),
        ScreeningPool(pseudonyms, workers) if workers else None,
        SqlDeadLetters(store.engine),
    )
    clients = ApiClients(SqlClientStore(store.engine))
    return Ledger(
        settings, store, metrics, broker, client, ingest, pseudonyms, clients, producers, kek, consumer
    )

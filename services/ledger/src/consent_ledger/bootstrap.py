"""Composition root: settings in, wired services out. Nothing is built at import time."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from faststream.redis import RedisBroker

from .adapters.broker.consumer import LedgerConsumer
from .adapters.broker.screening_pool import ScreeningPool
from .adapters.metrics import LedgerMetrics
from .adapters.sql.clients import SqlClientStore
from .adapters.sql.dead_letters import SqlDeadLetters
from .adapters.sql.producers import SqlProducerStore
from .adapters.sql.retention import SqlRetentionStore
from .adapters.sql.rights import SqlRightsStore
from .adapters.sql.store import SqlLedgerStore
from .adapters.sql.tree import SqlTreeStore
from .app.access_report import AccessReports
from .app.append import BatchAppender, SystemClock
from .app.checkpoints import Checkpoints
from .app.clients import ApiClients
from .app.ingest import IngestService
from .app.producers import ProducerGate
from .app.retention import ErasureJournal, RetentionService
from .app.subject_rights import SubjectRights
from .config import NoLedger, Settings
from .core.pseudonyms import Pseudonymizer
from .stores import build_store

__all__ = [
    "NoLedger",
    "Ledger",
    "Privacy",
    "build_checkpoints",
    "build_ledger",
    "build_privacy",
    "build_store",
]


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


def build_ledger(settings: Settings, redis_url: str) -> Ledger:
    pkey, kek = settings.keys()
    pseudonyms = Pseudonymizer({settings.pseudonym_key_version: pkey}, settings.pseudonym_key_version)
    store = build_store(settings)
    metrics = LedgerMetrics()
    metrics.chains_known(h.chain for h in store.heads())
    producers = SqlProducerStore(store.engine)
    gate = None if settings.dev_mode else ProducerGate(producers)
    ingest = IngestService(
        BatchAppender(store, kek, previous_keks=settings.previous_keks()), pseudonyms, gate
    )
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
        store.answers,
        ScreeningPool(pseudonyms, workers) if workers else None,
        SqlDeadLetters(store.engine),
    )
    clients = ApiClients(SqlClientStore(store.engine))
    return Ledger(
        settings, store, metrics, broker, client, ingest, pseudonyms, clients, producers, kek, consumer
    )


def build_checkpoints(settings: Settings, store: SqlLedgerStore) -> Checkpoints:
    """The checkpoint signer; refuses to start without keys outside dev mode."""
    return Checkpoints(
        SqlTreeStore(store), settings.checkpoint_signers(), settings.log_origin, settings.witness_verifiers()
    )


@dataclass
class Privacy:
    """The register, retention and erasure side of a ledger (app.registers, app.retention)."""

    store: SqlLedgerStore
    appender: BatchAppender
    pseudonyms: Pseudonymizer
    retention: RetentionService
    reads: SqlRetentionStore
    rights: SubjectRights
    rights_reads: SqlRightsStore
    kek: bytes
    previous_keks: tuple[bytes, ...] = ()  # a key-encryption key rotation under way (app.rewrap)
    privacy_contacts: dict[str, str] = field(default_factory=dict)  # controller -> how to reach its FG

    def access_reports(self, checkpoints: Checkpoints) -> AccessReports:
        return AccessReports(
            self.rights_reads, self.kek, checkpoints, self.previous_keks, self.privacy_contacts
        )


def build_privacy(settings: Settings, store: SqlLedgerStore | None = None) -> Privacy:
    pkey, kek = settings.keys()
    pseudonyms = Pseudonymizer({settings.pseudonym_key_version: pkey}, settings.pseudonym_key_version)
    store = store or build_store(settings)
    previous = settings.previous_keks()
    appender = BatchAppender(store, kek, previous_keks=previous)
    reads = SqlRetentionStore(store)
    journal = ErasureJournal(settings.erasure_journal_path())
    retention = RetentionService(reads, appender, pseudonyms, SystemClock(), journal)
    rights_reads = SqlRightsStore(store)
    rights = SubjectRights(rights_reads, appender, pseudonyms, retention, SystemClock())
    return Privacy(
        store,
        appender,
        pseudonyms,
        retention,
        reads,
        rights,
        rights_reads,
        kek,
        previous,
        settings.privacy_contacts,
    )

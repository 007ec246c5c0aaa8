"""Run the real ledger consumer (FastStream on a real Redis) inside the test's event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from consent_ledger.adapters.broker.groups import ensure_groups
from consent_ledger.app.internal_producers import register_internal_producers
from consent_ledger.app.producers import ProducerRecord, ProducerStore
from consent_ledger.bootstrap.ledger import Ledger, build_ledger
from consent_ledger.config import ConsumerSettings, Settings

from tests.conftest import CHECKPOINT_KEY, ENCRYPTION_KEY, PSEUDONYM_KEY, REDIS_URL
from tests.support.factories import PRODUCER_SIGNER, TEST_PRODUCERS


def settings_for(database_url: str, home: Path, **consumer: object) -> Settings:
    return Settings(
        home=home,
        database_url=database_url,
        redis_url=REDIS_URL,
        pseudonym_key=PSEUDONYM_KEY,
        encryption_key=ENCRYPTION_KEY,
        checkpoint_keys=CHECKPOINT_KEY,
        consumer=ConsumerSettings(**{"poll_ms": 20, **consumer}),  # type: ignore[arg-type]
    )


def register_test_producers(producers: ProducerStore, kek: bytes | None = None) -> None:
    """The producers of tests/support/factories.py, with the test key, for anything (outside dev mode only
    registered producers' signed events count); with `kek` also the internal ones, as `up` does."""
    for producer_id in TEST_PRODUCERS:
        record = ProducerRecord(producer_id, PRODUCER_SIGNER.public_text(), ("*",), ("*",), datetime.now(UTC))
        producers.put_producer(record)
    if kek is not None:
        register_internal_producers(producers, kek, datetime.now(UTC))


@asynccontextmanager
async def running_ledger(settings: Settings, redis_url: str = REDIS_URL) -> AsyncIterator[Ledger]:
    ledger = build_ledger(settings, redis_url)
    register_test_producers(ledger.producers, ledger.kek)
    await ensure_groups(ledger.redis)
    await ledger.consumer.start()
    await ledger.broker.start()
    try:
        yield ledger
    finally:
        await ledger.broker.stop()
        await ledger.consumer.drain()
        await ledger.redis.aclose()
        ledger.store.dispose()


async def eventually(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)

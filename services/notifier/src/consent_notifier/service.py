"""The notifier's consumer on the phone stream (group `notifier`).

This skeleton only takes phone requests off the stream and counts them; the policy,
registry and callback flow arrive with the notifier issue. It never imports the ledger.
"""

from __future__ import annotations

import logging
from typing import Any

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from ledger_contracts.streams import NOTIFIER_GROUP, PHONE_STREAM
from prometheus_client import CollectorRegistry, Counter

__all__ = ["NotifierService"]

log = logging.getLogger("consent_notifier")


class NotifierService:
    def __init__(self, broker: RedisBroker, consumer: str, registry: CollectorRegistry) -> None:
        self.seen = Counter(
            "notifier_phone_events_seen", "Phone events read", ["event_type"], registry=registry
        )
        sub = StreamSub(PHONE_STREAM, group=NOTIFIER_GROUP, consumer=consumer, batch=True, max_records=100)
        broker.subscriber(stream=sub, ack_policy=AckPolicy.ACK)(self._on_batch)

    async def _on_batch(self, body: list[Any]) -> None:
        for item in body:
            kind = item.get("event_type", "unknown") if isinstance(item, dict) else "unreadable"
            self.seen.labels(event_type=str(kind)[:64]).inc()

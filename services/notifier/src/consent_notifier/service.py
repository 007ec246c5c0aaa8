"""The notifier on the broker: phone requests published by other systems (e.g. a telephony
platform) on the phone stream are decided like those from the page. Its own events, and
events it does not decide, are only counted. It never imports the ledger."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from ledger_contracts import EventRefused, parse_event
from ledger_contracts.events import PhoneDisclosureRequested
from ledger_contracts.streams import CONSENT_STREAM, EVENT_FIELD, NOTIFIER_GROUP, PHONE_STREAM

from .adapters.deps import NotifierDeps
from .app.actors import Actor
from .app.consent_notices import ENDING_EVENTS
from .app.desk import RequestInput
from .app.errors import NotifierError
from .core.roles import Role

__all__ = ["NotifierService", "background"]

log = logging.getLogger("consent_notifier")


class NotifierService:
    def __init__(
        self, broker: RedisBroker, consumer: str, deps: NotifierDeps, producer: str = "notifier"
    ) -> None:
        self.deps, self.producer = deps, producer
        sub = StreamSub(PHONE_STREAM, group=NOTIFIER_GROUP, consumer=consumer, batch=True, max_records=100)
        broker.subscriber(stream=sub, ack_policy=AckPolicy.ACK)(self._on_batch)
        consent = StreamSub(
            CONSENT_STREAM, group=NOTIFIER_GROUP, consumer=consumer, batch=True, max_records=100
        )
        broker.subscriber(stream=consent, ack_policy=AckPolicy.ACK)(self._on_consent_batch)

    async def _on_consent_batch(self, body: list[Any]) -> None:
        """Withdrawal, revocation and expiry: tell the parties that relied on the consent. A failure
        leaves the batch unacknowledged, so it is delivered again (the notices are idempotent)."""
        for entry in body:
            item = _event_of(entry)
            if isinstance(item, dict) and item.get("event_type") in ENDING_EVENTS:
                try:
                    event = parse_event(json.dumps(item))
                except EventRefused as exc:
                    log.warning("consent event not noticed: %s", exc.reason)  # the ledger dead-letters it
                    continue
                n = await asyncio.to_thread(self.deps.notices.consent_ended, event)  # type: ignore[arg-type]
                self.deps.metrics.consent_notices.inc(n)

    async def _on_batch(self, body: list[Any]) -> None:
        for entry in body:
            item = _event_of(entry)
            kind = item.get("event_type", "unknown") if isinstance(item, dict) else "unreadable"
            self.deps.metrics.phone_events.labels(event_type=str(kind)[:64]).inc()
            if kind == "phone.disclosure-requested" and item.get("producer") != self.producer:
                await asyncio.to_thread(self._decide, item)

    def _decide(self, item: dict[str, Any]) -> None:
        """Decide a request from another system; a bad one is logged by reason (the ledger dead-letters
        it)."""
        try:
            event = parse_event(json.dumps(item))
        except EventRefused as exc:
            log.warning("phone request refused: %s", exc.reason)
            return
        assert isinstance(event, PhoneDisclosureRequested)
        d = event.data
        subject = d.subject.bsn or d.subject.pseudonym or ""
        inp = RequestInput(
            subject,
            d.caller_party_id,
            d.topic,
            tuple(str(c) for c in d.data_categories),
            d.caller_person_id,
            d.calling_number,
            d.given_number,
            f"{event.producer}.{d.request_id}",
        )
        try:
            stored, new = self.deps.desk.submit(
                inp, Actor(d.requested_by, frozenset({Role.EMPLOYEE}), "service")
            )
        except NotifierError as exc:
            log.warning("phone request %s not decided: %s", d.request_id, exc.code)
            return
        self.deps.metrics.count_decision(stored, new)


def _event_of(entry: Any) -> Any:
    """A stream entry's `event` field (docs/wire-format.md) as a dict; None when unreadable."""
    raw = entry.get(EVENT_FIELD) if isinstance(entry, dict) else entry
    if isinstance(raw, bytes | str):
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw


async def background(deps: NotifierDeps, relay: Any, every: float = 0.5) -> None:
    """Expire callback tasks past their deadline and deliver the outbox, until cancelled."""
    relay_task = asyncio.create_task(relay.run(every))
    try:
        while True:
            try:
                await asyncio.to_thread(deps.desk.expire_due)
            except Exception:
                log.exception("expiring callback tasks failed; trying again")
            await asyncio.sleep(every)
    finally:
        relay_task.cancel()

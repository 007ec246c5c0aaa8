"""The notifier on the broker: phone requests published by other systems (e.g. a telephony
platform) on `notifier.phone-requests` are decided like those from the page, and each is deleted
from that stream once decided, so a caller's number is not kept beyond the decision. Consent
endings on the consent stream become notices. It never imports the ledger."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from ledger_contracts import EventRefused, parse_event
from ledger_contracts.phone_requests import PHONE_REQUEST_STREAM, PhoneCallRequest
from ledger_contracts.streams import (
    CONSENT_STREAM,
    EVENT_FIELD,
    NOTIFIER_GROUP,
    NOTIFIER_STREAMS,
    REQUEST_FIELD,
    entry_fields,
    raw_batches,
)
from pydantic import ValidationError

from .adapters.deps import NotifierDeps
from .app.actors import Actor
from .app.consent_notices import ENDING_EVENTS
from .app.desk import RequestInput
from .app.errors import NotifierError
from .core.roles import Role

__all__ = ["NOTIFIER_STREAMS", "NotifierService", "background"]


log = logging.getLogger("consent_notifier")


class NotifierService:
    def __init__(
        self, broker: RedisBroker, consumer: str, deps: NotifierDeps, redis: Any, producer: str = "notifier"
    ) -> None:
        self.deps, self.producer, self._redis = deps, producer, redis
        sub = StreamSub(
            PHONE_REQUEST_STREAM, group=NOTIFIER_GROUP, consumer=consumer, batch=True, max_records=100
        )
        broker.subscriber(stream=sub, ack_policy=AckPolicy.MANUAL, parser=raw_batches)(self._on_requests)
        consent = StreamSub(
            CONSENT_STREAM, group=NOTIFIER_GROUP, consumer=consumer, batch=True, max_records=100
        )
        broker.subscriber(stream=consent, ack_policy=AckPolicy.ACK, parser=raw_batches)(
            self._on_consent_batch
        )

    async def _on_consent_batch(self, body: Any, msg: RedisBatchStreamMessage) -> None:
        """Withdrawal, revocation and expiry: tell the parties that relied on the consent. An entry
        that cannot be read is skipped (the ledger dead-letters it); its neighbours are noticed."""
        for fields in msg.raw_message["data"]:
            raw = entry_fields(fields).get(EVENT_FIELD.encode())
            try:
                event = parse_event(raw)
            except EventRefused:
                continue
            except Exception as exc:  # noqa: BLE001 - no entry may keep the others from their notices
                log.warning("consent event not read: %s", type(exc).__name__)
                continue
            if event.event_type in ENDING_EVENTS:
                n = await asyncio.to_thread(self.deps.notices.consent_ended, event)  # type: ignore[arg-type]
                self.deps.metrics.consent_notices.inc(n)

    async def _on_requests(self, body: Any, msg: RedisBatchStreamMessage) -> None:
        """Decide each request, then acknowledge and delete the entries: the numbers in them are not
        kept beyond the decision. A request that cannot be read is counted and deleted too."""
        for fields in msg.raw_message["data"]:
            try:
                await asyncio.to_thread(self._decide, entry_fields(fields).get(REQUEST_FIELD.encode()))
            except Exception as exc:  # no request may stall the others; its content is never logged
                self.deps.metrics.phone_requests_refused.labels(reason="error").inc()
                log.error("phone request not decided: %s", type(exc).__name__)
        ids = list(msg.raw_message["message_ids"])
        await msg.ack()
        if ids:
            await self._redis.xdel(PHONE_REQUEST_STREAM, *ids)

    def _decide(self, raw: bytes | None) -> None:
        """Decide a request from another system; a bad one is counted by reason, never logged with
        its content."""
        try:
            request = PhoneCallRequest.model_validate_json(raw or b"")
        except ValidationError:
            self.deps.metrics.phone_requests_refused.labels(reason="invalid-request").inc()
            log.warning("phone request refused: invalid-request (docs/wire-format.md)")
            return
        subject = request.subject.bsn or request.subject.pseudonym or ""
        inp = RequestInput(
            subject,
            request.caller_party_id,
            request.topic,
            tuple(str(c) for c in request.data_categories),
            request.caller_person_id,
            request.calling_number,
            request.given_number,
            request.request_id,
        )
        try:
            stored, new = self.deps.desk.submit(
                inp, Actor(request.requested_by, frozenset({Role.EMPLOYEE}), "service")
            )
        except NotifierError as exc:
            self.deps.metrics.phone_requests_refused.labels(reason=exc.code).inc()
            log.warning("phone request %s not decided: %s", request.request_id, exc.code)
            return
        self.deps.metrics.count_decision(stored, new)


async def background(deps: NotifierDeps, relay: Any, every: float = 0.5) -> None:
    """Expire callback tasks past their deadline and deliver the outbox, until cancelled."""
    relay_task = asyncio.create_task(relay.run(every))
    try:
        while True:
            try:
                for closed in await asyncio.to_thread(deps.desk.expire_due):
                    deps.metrics.count_decision(closed, True)
            except Exception:
                log.exception("expiring callback tasks failed; trying again")
            await asyncio.sleep(every)
    finally:
        relay_task.cancel()

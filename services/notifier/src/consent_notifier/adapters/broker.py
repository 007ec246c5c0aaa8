"""The notifier on the broker: phone requests published by other systems (e.g. a telephony
platform) on `notifier.phone-requests` are decided like those from the page, and each is deleted
from that stream once decided, so a caller's number is not kept beyond the decision. Consent
endings that the ledger accepted (`ledger.accepted.consent-endings`, never the producers' raw
stream) become notices. It never imports the ledger."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from ledger_contracts.accepted import FACT_FIELD, ConsentEnded
from ledger_contracts.chore_log import ChoreLog
from ledger_contracts.phone_requests import PHONE_REQUEST_STREAM, PhoneCallRequest
from ledger_contracts.streams import (
    ACCEPTED_CONSENT_STREAM,
    NOTIFIER_GROUP,
    NOTIFIER_STREAMS,
    REQUEST_FIELD,
    entry_fields,
    raw_batches,
    text_of,
)
from pydantic import ValidationError

from ..app.actors import Actor
from ..app.desk import RequestInput
from ..app.errors import NotifierError
from ..core.roles import Role
from .deps import NotifierDeps

__all__ = ["NOTIFIER_STREAMS", "NotifierService", "background"]


log = logging.getLogger("consent_notifier")


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class NotifierService:
    """Per stream it reads (phone requests, the ledger's accepted consent endings), a batch reader
    of new entries and a reclaimer of entries left pending by a notifier that died (XAUTOCLAIM after
    `reclaim_idle_ms`), on the `notifier` group. An entry is acknowledged only after what it asks is
    done (a decision stored, notices in the outbox); one delivered `max_deliveries` times without
    that is set aside, counted, so that its stream moves on and can be trimmed."""

    def __init__(
        self,
        broker: RedisBroker,
        consumer: str,
        deps: NotifierDeps,
        redis: Any,
        producer: str = "notifier",
        reclaim_idle_ms: int = 30_000,
        max_deliveries: int = 5,
    ) -> None:
        self.deps, self.producer, self._redis = deps, producer, redis
        self._name, self._idle, self._max_deliveries = consumer, reclaim_idle_ms, max_deliveries
        for stream, handler in (
            (PHONE_REQUEST_STREAM, self._on_requests),
            (ACCEPTED_CONSENT_STREAM, self._on_consent_ended),
        ):
            reader = StreamSub(stream, group=NOTIFIER_GROUP, consumer=consumer, batch=True, max_records=100)
            reclaimer = StreamSub(
                stream,
                group=NOTIFIER_GROUP,
                consumer=consumer,
                batch=True,
                max_records=100,
                min_idle_time=reclaim_idle_ms,
                polling_interval=max(reclaim_idle_ms // 4, 10),
            )
            broker.subscriber(stream=reader, ack_policy=AckPolicy.MANUAL, parser=raw_batches)(handler)
            broker.subscriber(stream=reclaimer, ack_policy=AckPolicy.MANUAL, parser=raw_batches)(
                self._reclaimed(stream, handler)
            )

    def _reclaimed(self, stream: str, handler: Any) -> Any:
        async def on_reclaimed(body: Any, msg: RedisBatchStreamMessage) -> None:
            """The rest of a dead notifier's backlog is claimed here too; entries delivered too often
            are set aside first."""
            raw = msg.raw_message
            more = await self._redis.xautoclaim(
                stream, NOTIFIER_GROUP, self._name, self._idle, "0-0", count=100
            )
            seen = {text_of(i) for i in raw["message_ids"]}
            ids = [*raw["message_ids"], *(i for i, _ in more[1] if text_of(i) not in seen)]
            data = [*raw["data"], *(f for i, f in more[1] if text_of(i) not in seen)]
            self.deps.metrics.reclaimed.labels(stream=stream).inc(len(ids))
            spent = await self._spent(stream, [text_of(i) for i in ids])
            if spent:
                self.deps.metrics.set_aside.labels(stream=stream).inc(len(spent))
                log.error(
                    "%d entries of %s set aside after %d deliveries", len(spent), stream, self._max_deliveries
                )
                await self._redis.xack(stream, NOTIFIER_GROUP, *spent)
                if stream == PHONE_REQUEST_STREAM:  # its numbers are not kept
                    await self._redis.xdel(stream, *spent)
            kept = [(i, f) for i, f in zip(ids, data, strict=True) if text_of(i) not in spent]
            msg.raw_message = {**raw, "message_ids": [i for i, _ in kept], "data": [f for _, f in kept]}
            await handler(body, msg)

        return on_reclaimed

    async def _spent(self, stream: str, ids: list[str]) -> set[str]:
        """Those of `ids` delivered at least `max_deliveries` times."""
        if not ids:
            return set()
        ordered = sorted(ids, key=_id_key)
        pending = await self._redis.xpending_range(
            stream, NOTIFIER_GROUP, min=ordered[0], max=ordered[-1], count=len(ids) * 4 + 100
        )
        wanted = set(ids)
        return {
            text_of(p["message_id"])
            for p in pending
            if text_of(p["message_id"]) in wanted and int(p["times_delivered"]) > self._max_deliveries
        }

    async def _on_consent_ended(self, body: Any, msg: RedisBatchStreamMessage) -> None:
        """Withdrawal, revocation and expiry the ledger appended: tell the controller's parties that
        relied on the consent, then acknowledge. A fact that cannot be read is counted and
        acknowledged (the ledger alone writes this stream); when the outbox cannot be written the
        batch stays pending and is reclaimed."""
        raw = msg.raw_message
        for fields in raw["data"]:
            try:
                fact = ConsentEnded.model_validate_json(entry_fields(fields).get(FACT_FIELD.encode()) or b"")
            except ValidationError:
                self.deps.metrics.consent_facts_refused.inc()
                log.error("accepted fact not read (ledger_contracts.accepted)")
                continue
            n = await asyncio.to_thread(self.deps.notices.consent_ended, fact)
            self.deps.metrics.consent_notices.inc(n)
        ids = list(raw["message_ids"])
        if ids:
            await self._redis.xack(ACCEPTED_CONSENT_STREAM, NOTIFIER_GROUP, *ids)

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
        if ids:
            await self._redis.xack(PHONE_REQUEST_STREAM, NOTIFIER_GROUP, *ids)
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


async def background(deps: NotifierDeps, relay: Any, every: float = 5.0, deliver_every: float = 0.5) -> None:
    """Expire callback tasks past their deadline (each `every` seconds: deadlines are minutes) and
    deliver the outbox (each `deliver_every`), until cancelled. How the notifier waits when idle:
    two queries a second for the outbox, one each five seconds for callbacks, Redis reads that
    block; about 1% of a core."""

    async def expire() -> None:
        for closed in await asyncio.to_thread(deps.desk.expire_due):
            deps.metrics.count_decision(closed, True)

    relay_task = asyncio.create_task(relay.run(deliver_every))
    try:
        await ChoreLog(log, "expiring callback tasks").repeat(expire, every)
    finally:
        relay_task.cancel()

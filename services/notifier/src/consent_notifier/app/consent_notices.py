"""Withdrawal, revocation and expiry are pushed: every party that relied on the consent gets a
notice through the outbox (at least once, with retries), and once it is delivered the notice
is recorded on the ledger as `consent.recipient-notified` (GDPR art. 7(3) and 19)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from ledger_contracts.events import (
    ConsentExpired,
    ConsentNoticeData,
    ConsentRecipientNotified,
    ConsentRevoked,
    ConsentWithdrawn,
    Recipient,
)
from ledger_contracts.formats import derived_event_id
from ledger_contracts.subjects import SubjectRef
from ledger_contracts.vocabulary import RecipientCategory

from ..core.consent_recipients import ConsentRecipient, notice_stream
from .events import outbox_item
from .ports import Clock, NotifierStore, OutboxItem, SubjectDirectory

__all__ = ["ENDING_EVENTS", "ConsentNotices"]

ENDING_EVENTS = frozenset({"consent.withdrawn", "consent.revoked", "consent.expired"})


class ConsentNotices:
    def __init__(
        self,
        store: NotifierStore,
        directory: SubjectDirectory,
        recipients: Mapping[str, tuple[ConsentRecipient, ...]],
        clock: Clock,
        producer: str = "notifier",
    ) -> None:
        self.store, self.directory, self.recipients = store, directory, recipients
        self.clock, self.producer = clock, producer

    def consent_ended(self, event: ConsentWithdrawn | ConsentRevoked | ConsentExpired) -> int:
        """Enqueue one notice per relying party; returns how many (0 when replayed)."""
        ref = event.data.subject
        subject = ref.pseudonym or self.directory.lookup(ref.bsn or "").pseudonym  # no BSN leaves here
        purpose = str(event.data.purpose)
        cause = event.event_type.split(".", 1)[1]
        digest = hashlib.sha256(f"{event.producer}\0{event.event_id}".encode()).hexdigest()[:32]
        now = self.clock.now()
        items = []
        for r in self.recipients.get(purpose, ()):
            via, destination = ("webhook", r.webhook) if r.webhook else ("stream", notice_stream(r.party_id))
            notice = {
                "notice": "consent-ended",
                "subject": subject,
                "purpose": purpose,
                "cause": cause,
                "ended_at": event.occurred_at.isoformat(),
                "consent_event_id": event.event_id,
                "recipient": r.party_id,
            }
            record = ConsentRecipientNotified(
                event_id=derived_event_id("notice", event.producer, event.event_id, r.party_id),
                occurred_at=now,
                producer=self.producer,
                controller=event.controller,
                processing_activity=event.processing_activity,
                data=ConsentNoticeData(
                    subject=SubjectRef(pseudonym=subject),
                    purpose=event.data.purpose,
                    cause=cause,
                    consent_event_id=event.event_id,
                    recipient=Recipient(
                        party_id=r.party_id, category=RecipientCategory(r.category), name=r.name
                    ),
                    via=via,
                    destination=destination,
                ),
            )
            items.append(
                OutboxItem(
                    f"notice:{digest}:{r.party_id}",
                    via,
                    destination,
                    json.dumps(notice, sort_keys=True),
                    then=outbox_item(record),
                )
            )
        if items:
            with self.store.transaction() as tx:
                tx.enqueue(items)
        return len(items)

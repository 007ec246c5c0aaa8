"""Withdrawal, revocation and expiry are pushed: every party of that controller that relied on the
consent gets a notice through the outbox (at least once, with retries), and once it is delivered the
notice is recorded on the ledger as `consent.recipient-notified` (GDPR art. 7(3) and 19). Only an
ending the ledger accepted (ledger_contracts.accepted) is noticed, never a raw event."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledger_contracts.accepted import ConsentEnded
from ledger_contracts.cloudevents import SPECVERSION, ce_type, source_urn
from ledger_contracts.events import (
    ConsentNoticeData,
    ConsentRecipientNotified,
    Recipient,
)
from ledger_contracts.formats import derived_event_id
from ledger_contracts.subjects import SubjectRef
from ledger_contracts.vocabulary import RecipientCategory

from ..core.consent_recipients import ConsentRecipient, notice_stream
from .events import outbox_item
from .ports import Clock, NotifierStore, OutboxItem

__all__ = ["ConsentNotices"]

NOTICE_TYPE = "consent.ended-notice"  # a notice to a party, not an event of the ledger's contracts


class ConsentNotices:
    def __init__(
        self,
        store: NotifierStore,
        recipients: Mapping[str, Mapping[str, tuple[ConsentRecipient, ...]]],
        clock: Clock,
        producer: str = "notifier",
        organisation: str | None = None,
    ) -> None:
        """`organisation` (`oin:…`): each notice goes to its party as a CloudEvent of the NL GOV
        profile (type nl.consent-ledger.consent.ended-notice.v1), and its record to the ledger as one."""
        self.store, self.recipients = store, recipients
        self.clock, self.producer, self.organisation = clock, producer, organisation

    def consent_ended(self, event: ConsentEnded) -> int:
        """Enqueue one notice per party of the event's controller relying on the purpose; returns
        how many (a replay enqueues the same items, which the outbox keeps once)."""
        subject = event.subject
        purpose = str(event.purpose)
        cause = event.event_type.split(".", 1)[1]
        digest = hashlib.sha256(f"{event.producer}\0{event.event_id}".encode()).hexdigest()[:32]
        now = self.clock.now()
        items = []
        for r in self.recipients.get(event.controller, {}).get(purpose, ()):
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
                    purpose=event.purpose,
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
                    json.dumps(self._as_sent(notice, record.event_id, now), sort_keys=True),
                    then=outbox_item(record, self.organisation),
                )
            )
        if items:
            with self.store.transaction() as tx:
                tx.enqueue(items)
        return len(items)

    def _as_sent(self, notice: dict[str, Any], notice_id: str, at: datetime) -> dict[str, Any]:
        """The notice as its party receives it: a CloudEvent when the organisation is known."""
        if not self.organisation:
            return notice
        return {
            "specversion": SPECVERSION,
            "id": notice_id,
            "source": source_urn(self.organisation, self.producer),
            "type": ce_type(NOTICE_TYPE, 1),
            "time": at.isoformat(),
            "datacontenttype": "application/json",
            "data": notice,
        }

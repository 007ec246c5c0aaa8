"""Prometheus metrics of the notifier, on the registry the composition root hands in."""

from __future__ import annotations

from ledger_contracts.streams import NOTIFIER_STREAMS
from prometheus_client import CollectorRegistry, Counter, Gauge

from ..app.ports import StoredRequest
from ..core.reasons import POSSIBLE_DECISIONS

__all__ = ["NotifierMetrics"]


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.decisions = Counter(
            "notifier_phone_decisions", "Phone decisions made", ["decision", "reason"], registry=registry
        )
        for verdict, reason in POSSIBLE_DECISIONS:  # every reason is listed, also while it is 0
            self.decisions.labels(decision=verdict, reason=reason)
        self.access_refused = Counter(
            "notifier_access_refused",
            "Requests refused for lack of a valid credential or role",
            ["reason"],
            registry=registry,
        )
        self.outbox_pending = Gauge(
            "notifier_outbox_pending", "Outbox messages not yet delivered", registry=registry
        )
        self.outbox_failed = Gauge(
            "notifier_outbox_failed", "Outbox messages given up after all retries", registry=registry
        )
        self.outbox_delivered = Counter(
            "notifier_outbox_delivered", "Outbox messages delivered", ["target"], registry=registry
        )
        self.outbox_errors = Counter(
            "notifier_outbox_delivery_errors", "Failed delivery attempts", ["target"], registry=registry
        )
        self.phone_requests_refused = Counter(
            "notifier_phone_requests_refused",
            "Phone requests from other systems not decided, by reason",
            ["reason"],
            registry=registry,
        )
        self.consent_notices = Counter(
            "notifier_consent_notices",
            "Notices enqueued to parties that relied on a consent that ended",
            registry=registry,
        )

        self.consent_facts_refused = Counter(
            "notifier_accepted_facts_unreadable",
            "Entries of ledger.accepted.consent-endings that are no accepted fact (none acted on)",
            registry=registry,
        )
        self.reclaimed = Counter(
            "notifier_entries_reclaimed",
            "Stream entries left pending by a notifier that stopped, claimed again",
            ["stream"],
            registry=registry,
        )
        self.set_aside = Counter(
            "notifier_entries_set_aside",
            "Stream entries given up after too many deliveries",
            ["stream"],
            registry=registry,
        )
        for stream in NOTIFIER_STREAMS:  # listed at 0, so that the first one is an increase
            self.reclaimed.labels(stream=stream)
            self.set_aside.labels(stream=stream)

    def count_decision(self, stored: StoredRequest, changed: bool) -> None:
        """Count the request's current decision, once: only when this call made it."""
        if changed:
            self.decisions.labels(decision=stored.current.verdict, reason=stored.current.reason).inc()

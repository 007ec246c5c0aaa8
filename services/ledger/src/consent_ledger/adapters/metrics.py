"""Prometheus metrics of the ledger, on a registry of their own.

Every labelled counter an alert reads exists at 0 from start-up for every label value the code can
give it (issue 29 item 1): Prometheus's `increase()` over a series that first appears at 1 is 0, so
a first dead letter, a first Redis loss or a first register violation would raise nothing. The
reasons are closed lists and are created here; the streams and groups by the guard that watches
them (StreamGuard); the chains by `chains_known` when a process opens the store and when a batch
names a chain first. The rules also catch a series that is new (infra/prometheus-rules.yml)."""

from __future__ import annotations

from collections.abc import Iterable

from ledger_contracts import Refusal
from ledger_contracts.vocabulary import Violation
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ..app.checkpoints import SIGNING_REFUSALS

__all__ = ["LedgerMetrics"]


class LedgerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.appended = Counter("ledger_events_appended", "Entries appended to the ledger", registry=r)
        self.accepted_published = Counter(
            "ledger_accepted_facts_published",
            "Accepted consent endings put on ledger.accepted.consent-endings for the notifier",
            registry=r,
        )
        self.dead_lettered = Counter(
            "ledger_events_dead_lettered", "Events refused to the dead-letter stream", ["reason"], registry=r
        )
        self.duplicates = Counter(
            "ledger_events_duplicate", "Redelivered events already recorded", registry=r
        )
        self.conflicts = Counter(
            "ledger_events_conflict", "Same event id with different content (alert on this)", registry=r
        )
        self.batch_size = Histogram(
            "ledger_batch_size",
            "Stream entries per consumed batch",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
            registry=r,
        )
        self.append_latency = Histogram(
            "ledger_append_latency_seconds",
            "Batch read to commit",
            registry=r,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.batch_failures = Counter(
            "ledger_batch_failures", "Batches not committed (left pending for redelivery)", registry=r
        )
        self.chain_length = Gauge("ledger_chain_length", "Entries per chain", ["chain"], registry=r)
        self.consumer_lag = Gauge(
            "ledger_consumer_lag", "Entries not yet acknowledged by the ledger group", ["stream"], registry=r
        )
        self.stream_length = Gauge(
            "ledger_stream_length",
            "Entries kept on an input stream (trimmed once every group that reads it acknowledged)",
            ["stream"],
            registry=r,
        )
        self.batch_retries = Counter(
            "ledger_batch_retries",
            "Batches tried again at once after another replica's concurrent write",
            registry=r,
        )
        self.reclaimed = Counter("ledger_entries_reclaimed", "Pending entries reclaimed", registry=r)
        self.groups_recreated = Counter(
            "ledger_broker_groups_recreated",
            "Consumer groups found missing (Redis lost its data) and recreated",
            ["stream", "group"],
            registry=r,
        )
        self.consent_queries = Counter(
            "ledger_consent_queries",
            "Consent questions answered, by endpoint, client and answer",
            ["endpoint", "client", "answer"],
            registry=r,
        )
        self.consent_bulk_subjects = Counter(
            "ledger_consent_bulk_subjects", "Subjects asked about in bulk requests", ["client"], registry=r
        )
        self.scope_uses = Counter(
            "ledger_scope_uses",
            "Uses of the subject-rights and register scopes",
            ["client", "scope"],
            registry=r,
        )
        self.bodies_refused = Counter(
            "ledger_http_bodies_refused",
            "Requests refused because their body was larger than LEDGER_HTTP_MAX_BODY",
            registry=r,
        )
        self.consent_refused = Counter(
            "ledger_consent_query_refused", "Consent questions refused, by reason", ["reason"], registry=r
        )
        self.checkpoints_signed = Counter(
            "ledger_checkpoints_signed", "Signed checkpoints issued, by chain", ["chain"], registry=r
        )
        self.checkpoint_size = Gauge(
            "ledger_checkpoint_size", "Tree size of the latest signed checkpoint", ["chain"], registry=r
        )
        self.checkpoints_refused = Counter(
            "ledger_checkpoints_refused",
            "Checkpoints not signed, by reason (inconsistent-tree: the stored tree was changed; alert)",
            ["reason"],
            registry=r,
        )
        self.register_violations = Counter(
            "ledger_register_violations",
            "Entries appended that break the processing register in force, by reason",
            ["chain", "reason"],
            registry=r,
        )
        self.entries_unchecked = Counter(
            "ledger_entries_unchecked",
            "Entries appended for a controller that has no processing register in force",
            registry=r,
        )
        self.keys_erased = Counter(
            "ledger_keys_erased", "Data keys destroyed by the retention run (erasure)", registry=r
        )
        # Kept by the process that runs the API and the chores (`serve`, `up`) alone, and exported by
        # it alone (own_api_gauges): a consumer's 0 would otherwise stand for "never ran" and
        # "nothing overdue" while `serve` is down (issue 29 item 6).
        self.subject_requests_overdue = Gauge(
            "ledger_subject_requests_overdue",
            "Requests of data subjects not decided within their one month (GDPR art. 12(3))",
            registry=None,
        )
        self.retention_last_run = Gauge(
            "ledger_retention_last_run_timestamp_seconds",
            "When the retention run last finished",
            registry=None,
        )
        self._api_gauges = (self.subject_requests_overdue, self.retention_last_run)
        self._owns_api_gauges = False
        self.http_events_accepted = Counter(
            "ledger_http_events_accepted", "Events taken over HTTP and put on their stream", registry=r
        )
        self.http_events_refused = Counter(
            "ledger_http_events_refused",
            "Events refused over HTTP, by reason (the dead-letter reason the broker path would give)",
            ["reason"],
            registry=r,
        )
        self.expiries_published = Counter(
            "ledger_consent_expiries_published",
            "consent.expired events published by the scheduler",
            registry=r,
        )
        for refusal in Refusal:
            self.dead_lettered.labels(reason=refusal.value)
        for reason in SIGNING_REFUSALS:
            self.checkpoints_refused.labels(reason=reason)
        self._chains: set[str] = set()

    def own_api_gauges(self) -> None:
        """This process keeps the retention run and the subject requests: export their gauges."""
        if not self._owns_api_gauges:
            self._owns_api_gauges = True
            for gauge in self._api_gauges:
                self.registry.register(gauge)

    def chains_known(self, chains: Iterable[str]) -> None:
        """Create the per-chain counters at 0 for chains not seen before in this process."""
        for chain in set(chains) - self._chains:
            self._chains.add(chain)
            for violation in Violation:
                self.register_violations.labels(chain=chain, reason=violation.value)

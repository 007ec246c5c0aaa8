"""The register, retention, erasure and subject-rights side of a ledger (app.registers, app.retention,
app.subject_rights), and the checkpoint signer: what the privacy commands, `serve` and `up` use."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..adapters.sql.retention import SqlRetentionStore
from ..adapters.sql.rights import SqlRightsStore
from ..adapters.sql.store import SqlLedgerStore
from ..adapters.sql.tree import SqlTreeStore
from ..app.access_report import AccessReports
from ..app.append import BatchAppender, SystemClock
from ..app.checkpoints import Checkpoints
from ..app.ports import Clock
from ..app.retention import ErasureJournal, RetentionService
from ..app.subject_rights import SubjectRights
from ..config import Settings
from ..core.pseudonyms import Pseudonymizer
from .store import build_store

__all__ = ["Privacy", "build_checkpoints", "build_privacy", "pseudonymizer"]


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
    journal: ErasureJournal | None = None

    def access_reports(self, checkpoints: Checkpoints) -> AccessReports:
        return AccessReports(
            self.rights_reads, self.kek, checkpoints, self.previous_keks, self.privacy_contacts
        )


def pseudonymizer(settings: Settings, pkey: bytes) -> Pseudonymizer:
    """The subject pseudonyms under `pkey`, the settings' current pseudonym key version."""
    return Pseudonymizer({settings.pseudonym_key_version: pkey}, settings.pseudonym_key_version)


def build_privacy(
    settings: Settings, store: SqlLedgerStore | None = None, clock: Clock | None = None
) -> Privacy:
    """On `store` when given (a process builds one), else on the settings' own; `clock`: what the
    appender, the retention run and the rights desk take as now (a test sets it)."""
    pkey, kek = settings.keys()
    pseudonyms = pseudonymizer(settings, pkey)
    store = store or build_store(settings)
    clock = clock or SystemClock()
    previous = settings.previous_keks()
    appender = BatchAppender(store, kek, clock, previous_keks=previous)
    reads = SqlRetentionStore(store)
    journal = ErasureJournal(settings.erasure_journal_path())
    retention = RetentionService(reads, appender, pseudonyms, clock, journal)
    rights_reads = SqlRightsStore(store)
    rights = SubjectRights(rights_reads, appender, pseudonyms, retention, clock)
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
        journal,
    )


def build_checkpoints(settings: Settings, store: SqlLedgerStore) -> Checkpoints:
    """The checkpoint signer; refuses to start without keys outside dev mode."""
    return Checkpoints(
        SqlTreeStore(store), settings.checkpoint_signers(), settings.log_origin, settings.witness_verifiers()
    )

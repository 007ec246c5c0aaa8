"""The ingest's poison policy, named once in app/ingest.py (issue 30 item 7), on a real store: by the
kind of error (core/errors.py), a batch is retried at once, left pending, split, or its exhausted
entries set apart, and only an entry that can be the cause is ever refused."""

from __future__ import annotations

import json

import pytest
from consent_ledger.adapters.sql.errors import DatabaseUnavailable, DatabaseUnreachable, LockContention
from consent_ledger.app.append import BatchAppender
from consent_ledger.app.ingest import CONTENTION_RETRIES, IngestService, RawEntry
from consent_ledger.bootstrap.store import build_store
from consent_ledger.core.errors import Contention, LedgerError
from consent_ledger.core.pseudonyms import Pseudonymizer
from ledger_contracts.streams import DISCLOSURE_STREAM

from tests.support.factories import disclosure
from tests.support.harness import settings_for


class FailingOn(BatchAppender):
    """The real appender, except that any batch holding `poison` fails with `error`."""

    def __init__(self, appender: BatchAppender, poison: str, error: LedgerError) -> None:
        self.__dict__.update(appender.__dict__)
        self.poison, self.error, self.calls = poison, error, 0

    def append(self, prepared, sources, *args, **kw):
        if any(p.event_id == self.poison for p in prepared):
            self.calls += 1
            raise self.error
        return super().append(prepared, sources, *args, **kw)


@pytest.fixture
def world(tmp_path):
    settings = settings_for(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path)
    store = build_store(settings)
    pkey, kek = settings.keys()
    bodies = [disclosure() for _ in range(4)]
    entries = [
        RawEntry(DISCLOSURE_STREAM, f"1-{i}", {b"event": json.dumps(b).encode()})
        for i, b in enumerate(bodies)
    ]

    def ingest(error: LedgerError) -> tuple[IngestService, FailingOn]:
        appender = FailingOn(BatchAppender(store, kek), bodies[2]["event_id"], error)
        return IngestService(appender, Pseudonymizer({1: pkey}, 1)), appender

    yield ingest, entries, store
    store.dispose()


@pytest.mark.parametrize(
    "error", [DatabaseUnreachable("down"), DatabaseUnavailable("refused"), LockContention("held")]
)
def test_a_batch_that_fails_for_the_database_is_left_pending_whole(world, error):
    ingest, entries, store = world
    service, _ = ingest(error)
    with pytest.raises(type(error)):
        service.settle(entries)
    assert store.count_entries() == 0  # nothing split off, nothing refused


def test_contention_is_retried_at_once_then_left_pending(world):
    ingest, entries, _ = world
    service, appender = ingest(LockContention("held"))
    retries: list[BaseException] = []
    with pytest.raises(Contention):
        service.settle(entries, retried=retries.append)
    assert appender.calls == CONTENTION_RETRIES and len(retries) == CONTENTION_RETRIES - 1


@pytest.mark.parametrize(
    ("error", "refused"),
    [
        (DatabaseUnavailable("refused of its own accord"), True),  # it can be the entry's doing
        (DatabaseUnreachable("down"), False),  # never an entry's
        (LockContention("held"), False),  # never an entry's
    ],
)
def test_an_exhausted_entry_is_set_apart_and_refused_only_when_it_can_be_the_cause(world, error, refused):
    ingest, entries, store = world
    service, _ = ingest(error)
    poison = entries[2].entry_id
    settled = service.settle(entries, exhausted={poison}, max_deliveries=5)
    assert store.count_entries() == 3  # its neighbours appended as without it
    assert settled.failed is not None and type(error).__name__ in settled.failed
    assert (poison in settled.done) is refused
    letters = settled.result.dead_letters
    assert [(d.source.entry_id, d.refusal.reason) for d in letters] == (
        [(poison, "delivery_attempts_exceeded")] if refused else []
    )
    if refused:
        assert "delivered 5 times" in str(letters[0].refusal)

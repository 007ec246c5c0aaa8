"""Two replicas on one PostgreSQL ledger, each with its own connections, appending at the same moment
the same event ids with different content: every reuse is recorded as a conflict (one `event`, one
`conflict` per id, never two `event`s), the chain never forks, and the migration runs once when
both start together."""

from __future__ import annotations

import json
import threading
from collections import Counter

from consent_ledger.app.append import BatchAppender
from consent_ledger.app.ingest import IngestService, RawEntry
from consent_ledger.bootstrap.store import build_store
from consent_ledger.core.errors import Conflict, Unavailable
from consent_ledger.core.pseudonyms import Pseudonymizer
from consent_ledger.core.verify import verify_chain
from ledger_contracts.streams import DISCLOSURE_STREAM
from sqlalchemy import text

from tests.faults.figures import report, scaled
from tests.support.factories import disclosure
from tests.support.harness import settings_for

ROUNDS = scaled(60, 1_000)


def test_two_replicas_record_every_reused_id_as_a_conflict(postgres_url, tmp_path):
    settings = settings_for(postgres_url, tmp_path)
    stores, errors = [], []
    barrier = threading.Barrier(2)

    def start() -> None:
        barrier.wait()  # both migrate an empty database at once
        try:
            stores.append(build_store(settings))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    starting = [threading.Thread(target=start) for _ in range(2)]
    for t in starting:
        t.start()
    for t in starting:
        t.join()
    assert errors == [] and len(stores) == 2

    pkey, kek = settings.keys()
    replicas = [IngestService(BatchAppender(s, kek), Pseudonymizer({1: pkey}, 1)) for s in stores]
    rounds = [disclosure() for _ in range(ROUNDS)]

    def replica(n: int) -> None:
        for i, body in enumerate(rounds):
            mine = {**body, "data": {**body["data"], "details": f"replica {n}"}}  # same id, other content
            entry = RawEntry(DISCLOSURE_STREAM, f"{i}-{n}", {b"event": json.dumps(mine).encode()})
            barrier.wait()
            while True:  # a replica's concurrent write is retried, as redelivery would
                try:
                    result = replicas[n].settle([entry]).result
                    break
                except (Unavailable, Conflict):
                    pass
            assert not result.dead_letters

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    with stores[0].engine.connect() as conn:
        kinds = conn.execute(text("SELECT event_id, kind FROM event_index")).all()
        [versions] = conn.execute(text("SELECT count(*) FROM alembic_version")).one()
    per_id = Counter((event_id, kind) for event_id, kind in kinds)
    entries = list(stores[0].iter_entries("werkcorporatie"))
    seqs = [json.loads(e.body)["seq"] for e in entries]
    missed = sum(per_id[(b["event_id"], "conflict")] != 1 for b in rounds)
    report(
        "two replicas reusing every event id at the same moment",
        rounds=ROUNDS,
        missed_conflicts=missed,
        twice_as_event=sum(per_id[(b["event_id"], "event")] != 1 for b in rounds),
        chain_forks=len(seqs) - len(set(seqs)),
        migrations=versions,
    )
    for body in rounds:
        assert per_id[(body["event_id"], "event")] == 1, "a reused id appended twice as an event"
        assert per_id[(body["event_id"], "conflict")] == 1, "a reused id not recorded as a conflict"
    assert versions == 1
    assert seqs == list(range(2 * ROUNDS))  # one chain, no fork
    assert verify_chain("werkcorporatie", entries, 2 * ROUNDS).length == 2 * ROUNDS
    for s in stores:
        s.dispose()


def test_two_replicas_starting_one_chain_at_once_count_it_as_contention(postgres_url, tmp_path, monkeypatch):
    """Two replicas' first batches of a new chain: both read no head, and the later to write finds the
    other's entry 0 in its COPY. That refusal comes from the driver itself, unwrapped by SQLAlchemy,
    and must count as contention, retried at once, not as a failure that leaves the batch pending
    until the reclaimer's turn (bench/replicas.py met it: 30 s lost at the start of two replicas)."""
    from consent_ledger.adapters.sql.errors import WriteContention
    from consent_ledger.adapters.sql.transaction import SqlTransaction
    from consent_ledger.core.entries import ChainHead

    settings = settings_for(postgres_url, tmp_path)
    store = build_store(settings)
    pkey, kek = settings.keys()
    service = IngestService(BatchAppender(store, kek), Pseudonymizer({1: pkey}, 1))

    def batch(i: int) -> list[RawEntry]:
        return [RawEntry(DISCLOSURE_STREAM, f"{i}-0", {b"event": json.dumps(disclosure()).encode()})]

    service.handle(batch(1))  # the other replica's first batch, committed first
    locked = SqlTransaction.lock_heads
    # what this replica read before that commit: no head yet
    monkeypatch.setattr(
        SqlTransaction, "lock_heads", lambda tx, chains: {c: ChainHead.genesis(c) for c in chains}
    )
    try:
        service.handle(batch(2))
    except Exception as exc:  # noqa: BLE001 - examined below
        refused = exc
    else:
        raise AssertionError("a second entry 0 was written")
    assert isinstance(refused, WriteContention), type(refused)  # so the policy retries it at once
    monkeypatch.setattr(SqlTransaction, "lock_heads", locked)
    assert service.handle(batch(2)).outcome.appended == 1  # as the retry does
    assert [json.loads(e.body)["seq"] for e in store.iter_entries("werkcorporatie")] == [0, 1]
    store.dispose()

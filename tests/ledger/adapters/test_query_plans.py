"""Every query an append runs is answered by an index, whatever the planner's statistics say.

The ledger grows for decades, on PostgreSQL servers that may run with autovacuum off (as this
machine's does): without statistics the planner took `event_id IN (...500 ids...)` for a scan of the
whole event index, and every batch cost O(ledger size) (issue 16). Here the tables an append reads
hold 60,000 rows the planner has never analysed; one batch is appended while every statement it
sends is recorded, and each is explained under the settings the append runs with.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from consent_ledger.adapters.sql.tables import INDEX_PATHS_ONLY
from consent_ledger.app.ingest import RawEntry
from sqlalchemy import event, text

from tests.support.factories import PRODUCER_SIGNER, consent, disclosure
from tests.support.harness import settings_for

BIG = 60_000
WRITES_AND_READS = ("SELECT", "INSERT", "UPDATE", "DELETE")
GROWING = ("event_index", "subject_handle", "subject_key", "consent_state", "ledger_entry", "merkle_node")

FILL = {
    "event_index": "INSERT INTO event_index SELECT 'x-' || g, md5(g::text), 'old', g, 'event' "
    "FROM generate_series(1, :n) g",
    "subject_handle": "INSERT INTO subject_handle SELECT 'p1-' || md5(g::text), 'old', 'a', 's-' || g, '' "
    "FROM generate_series(1, :n) g",
    "subject_key": "INSERT INTO subject_key SELECT 's-' || g, '\\x00' FROM generate_series(1, :n) g",
    "consent_state": "INSERT INTO consent_state (subject, purpose, chain, event_type, occurred_at, event_id, "
    "valid_until, seq) SELECT 'p1-' || md5(g::text), 'photo-website', 'old', "
    "'consent.given', '2020-01-01T00:00:00.000000Z', 'x-' || g, NULL, g FROM generate_series(1, :n) g",
}


def _scans(plan: dict[str, Any]) -> Iterator[str]:
    """The relations the plan reads by a sequential scan."""
    if plan.get("Node Type") == "Seq Scan":
        yield plan["Relation Name"]
    for child in plan.get("Plans", []):
        yield from _scans(child)


@pytest.fixture
def grown_ledger(postgres_url, tmp_path):
    from consent_ledger.bootstrap.ledger import build_ledger

    from tests.support.harness import register_test_producers

    ledger = build_ledger(
        settings_for(postgres_url, tmp_path, screening_workers=0), "redis://127.0.0.1:6379/15"
    )
    register_test_producers(ledger.producers, ledger.kek)
    with ledger.store.engine.begin() as conn:
        for table in GROWING:
            conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
        for sql in FILL.values():
            conn.execute(text(sql), {"n": BIG})
    yield ledger
    ledger.store.dispose()


def _batch(n: int) -> list[RawEntry]:
    bodies = []
    for i in range(n):
        made = disclosure(bsn="111222333") if i % 2 else consent(bsn="123456782")
        bodies.append(json.dumps(made).encode())
    return [
        RawEntry("ledger.disclosures", f"1-{i}", {b"event": b, b"sig": PRODUCER_SIGNER.sign(b).encode()})
        for i, b in enumerate(bodies)
    ]


def test_every_query_of_an_append_uses_an_index_without_statistics(grown_ledger):
    engine = grown_ledger.store.engine
    sent: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany and statement.lstrip().upper().startswith(
            ("SELECT", "INSERT", "UPDATE", "DELETE")
        ):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        result = grown_ledger.ingest.handle(_batch(600))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert result.outcome.appended == 600, result.dead_letters[:1]
    queries = [(s, p) for s, p in sent if s != INDEX_PATHS_ONLY and "set_config" not in s]
    assert any("event_index" in s for s, _ in queries), "the duplicate check was not seen"

    def scanned(index_paths_only: bool) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if index_paths_only:
                cur.execute(INDEX_PATHS_ONLY)
            for statement, params in queries:
                cur.execute("EXPLAIN (FORMAT JSON) " + statement, params)
                tables = set(_scans(cur.fetchone()[0][0]["Plan"])) & set(GROWING)
                if tables:
                    found[statement.split("\n")[0][:120]] = tables
            raw.rollback()
        finally:
            raw.close()
        return found

    assert scanned(index_paths_only=True) == {}
    # the check can fail: the planner's own choice, without the settings, scans a grown table
    assert scanned(index_paths_only=False), "no query scanned without the settings: the test proves nothing"


def test_every_query_of_an_append_uses_an_index_on_sqlite(tmp_path):
    """SQLite plans without statistics (no ANALYZE is ever run): its plan must search, not scan."""
    from consent_ledger.bootstrap.ledger import build_ledger

    from tests.support.harness import register_test_producers

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = build_ledger(settings_for(url, tmp_path, screening_workers=0), "redis://127.0.0.1:6379/15")
    register_test_producers(ledger.producers, ledger.kek)
    sent: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany and statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(ledger.store.engine, "before_cursor_execute", record)
    try:
        assert ledger.ingest.handle(_batch(200)).outcome.appended == 200
    finally:
        event.remove(ledger.store.engine, "before_cursor_execute", record)
    scans = {}
    raw = ledger.store.engine.raw_connection()
    try:
        for statement, params in sent:
            rows = raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
            full = [r[3] for r in rows if r[3].startswith("SCAN ") and r[3].split()[1] in GROWING]
            if full and not all("INDEX" in r for r in full):
                scans[statement[:120]] = full
    finally:
        raw.close()
        ledger.store.dispose()
    assert any("event_index" in s for s, _ in sent)
    assert scans == {}

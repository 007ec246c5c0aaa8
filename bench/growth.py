"""Ingest cost as the ledger grows: the append rate into one PostgreSQL ledger holding 0, 100,000
and 1,000,000 entries, each beside the rate at 0, as a ratio (target: >= 0.9 at 1,000,000).

The database runs as some operators run theirs, and as this machine's does: autovacuum off for the
ledger's tables and nothing ever analysed, so the planner has no statistics (issue 16: then
`event_id IN (...)` was a scan of the whole index, and the rate fell to a tenth by 100,000).

Between the measurements the ledger is grown fast by COPY of generated valid entries (chained,
hashed, with their Merkle nodes, index rows, subject handles and keys; `verify` passes over them),
not through the consumer. What is timed, as the median of five runs at each size (one run of
10,000 events varies by about 5% here), is the append (the half of ingest that reads and writes the
database: duplicate check, keys, chain, tree, one transaction per batch of 1,000) of the same kind
of signed, screened events; screening reads nothing and does not depend on the ledger's size.
At each size three reads are timed as well: a consent status lookup (p50 over 2,000 subjects), an
inclusion proof of a random entry in the tree of the chain's whole length (p50 over 500), and full
verification from the database (`consent-ledger verify`, its cost per entry).

    uv run python bench/growth.py [--sizes 0,100000,1000000] [--events 10000] [--runs 5]

Needs PostgreSQL (BENCH_POSTGRES_URL, an admin URL used to create a throw-away database).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consent_ledger.adapters.collector import tune_collector  # noqa: E402
from consent_ledger.adapters.sql.tree import SqlTreeStore  # noqa: E402
from consent_ledger.app.checkpoints import Checkpoints  # noqa: E402
from consent_ledger.app.ingest import RawEntry  # noqa: E402
from consent_ledger.app.producers import ProducerRecord  # noqa: E402
from consent_ledger.bootstrap.ledger import build_ledger  # noqa: E402
from consent_ledger.cli import app  # noqa: E402
from consent_ledger.config import ConsumerSettings, Settings  # noqa: E402
from consent_ledger.core.canonical import canonical_bytes  # noqa: E402
from consent_ledger.core.entries import ChainHead, append_records  # noqa: E402
from consent_ledger.core.merkle import Frontier, leaf_of, node_position  # noqa: E402
from ledger_contracts.streams import DISCLOSURE_STREAM  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from bench.pgdb import throwaway_database  # noqa: E402
from tests.support.factories import PRODUCER_SIGNER, TEST_PRODUCERS, disclosure  # noqa: E402

CHAIN = "werkcorporatie"
TABLES = (
    "ledger_entry",
    "event_index",
    "merkle_node",
    "subject_handle",
    "subject_key",
    "consent_state",
    "chain_head",
    "registered_subject",
    "retention_milestone",
)
FILL_BATCH = 50_000


def settings(url: str) -> Settings:
    return Settings(
        home=Path("/tmp/bench-growth"),
        database_url=url,
        redis_url="redis://127.0.0.1:6379/10",
        pseudonym_key="5b0f9c1e7d2a4c6e8f1a3b5d7c9e0f2a4b6d8c0e1f3a5b7d9c2e4f6a8b0d1c3e",
        encryption_key="c3e1d0b8a6f4e2c9d7b5a3f1e0c8a6b4d2f0e9c7a5b3d1f2e4c6a8b0d9f7e5c3",
        consumer=ConsumerSettings(batch_size=1000, screening_workers=0),
    )


def grow(url: str, count: int, serial: int) -> None:
    """`count` generated entries appended to the chain by COPY: each a disclosure's clear part as
    the append writes it, one index row, its tree nodes; and one subject (handle, key, consent
    state) per ten entries. Nothing is analysed."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT length, head_hash, frontier FROM chain_head WHERE chain = %s", [CHAIN]
        ).fetchone()
        length, head_hash, frontier = row
        peaks = bytes(frontier)
        head = ChainHead(
            CHAIN, length, bytes(head_hash), tuple(peaks[i : i + 32] for i in range(0, len(peaks), 32))
        )
        tree = Frontier(head.length, head.frontier)
        template = json.loads(canonical_bytes(disclosure(bsn="111222333")))
        template["data"].pop("subject")
        now = datetime.now(UTC)
        done = 0
        while done < count:
            n = min(FILL_BATCH, count - done)
            ids = [f"00000000-0000-4000-8000-{serial + done + i:012d}" for i in range(n)]
            records = [("event", {"event": {**template, "event_id": eid}}) for eid in ids]
            entries, head = append_records(head, records, now, checked=False)
            tree, nodes = tree.extend(leaf_of(e.body) for e in entries)
            stamp = entries[0].document["recorded_at"]
            with conn.cursor() as cur:
                with cur.copy(
                    "COPY ledger_entry (chain, seq, entry_hash, body, kind, event_id, subject, recorded_at,"
                    " key_id) FROM STDIN"
                ) as cp:
                    for e, eid in zip(entries, ids, strict=True):
                        cp.write_row((CHAIN, e.seq, e.entry_hash, e.body, "event", eid, None, stamp, None))
                with cur.copy("COPY event_index (event_id, content_mac, chain, seq, kind) FROM STDIN") as cp:
                    for e, eid in zip(entries, ids, strict=True):
                        cp.write_row((eid, hashlib.sha256(eid.encode()).hexdigest(), CHAIN, e.seq, "event"))
                with cur.copy("COPY merkle_node (chain, pos, hash) FROM STDIN") as cp:
                    for key, h in nodes:
                        cp.write_row((CHAIN, node_position(*key), h))
                with cur.copy(
                    "COPY subject_handle (pseudonym, controller, activity, handle, created_at) FROM STDIN"
                ) as cp:
                    for i in range(0, n, 10):
                        cp.write_row(
                            (
                                f"p1-{serial + done + i:064d}",
                                CHAIN,
                                "re-integratietraject",
                                f"s-{serial + done + i}",
                                stamp,
                            )
                        )
                with cur.copy("COPY subject_key (key_id, wrapped) FROM STDIN") as cp:
                    for i in range(0, n, 10):
                        cp.write_row((f"s-{serial + done + i}", os.urandom(60)))
                with cur.copy(
                    "COPY consent_state (subject, purpose, event_type, occurred_at, event_id, valid_until,"
                    " chain, seq) FROM STDIN"
                ) as cp:
                    for i in range(0, n, 10):
                        cp.write_row(
                            (
                                f"p1-{serial + done + i:064d}",
                                "nieuwsbrief",
                                "consent.given",
                                stamp,
                                ids[i],
                                None,
                                CHAIN,
                                entries[i].seq,
                            )
                        )
            conn.execute(
                "UPDATE chain_head SET length = %s, head_hash = %s, frontier = %s WHERE chain = %s",
                [head.length, head.head_hash, b"".join(tree.peaks), CHAIN],
            )
            conn.commit()
            done += n


def batches(start: int, events: int) -> list[list[RawEntry]]:
    out = []
    for b in range(events // 1000):
        entries = []
        for i in range(1000):
            body = json.dumps(disclosure(bsn="111222333", event_id=f"g-{start + b * 1000 + i:010d}")).encode()
            entries.append(
                RawEntry(
                    DISCLOSURE_STREAM,
                    f"{b}-{i}",
                    {b"event": body, b"sig": PRODUCER_SIGNER.sign(body).encode()},
                )
            )
        out.append(entries)
    return out


def measure(ledger, start: int, events: int) -> float:
    """Appended events per second: screened first (untimed), then appended batch by batch."""
    screened = [(b, ledger.ingest.screen(b)) for b in batches(start, events)]
    began = time.perf_counter()
    for b, s in screened:
        result = ledger.ingest.settle(b, s).result
        assert result.outcome.appended == len(s.ready), result.outcome
    return events / (time.perf_counter() - began)


def consent_p50(ledger, subjects: list[str]) -> float:
    times = []
    for subject in subjects:
        began = time.perf_counter()
        ledger.store.consent_fact(subject, "nieuwsbrief", "werkcorporatie")
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1e6


def proof_p50(checkpoints, length: int) -> float:  # type: ignore[no-untyped-def]
    rng, times = random.Random(16), []
    for _ in range(500):
        index = rng.randrange(length)
        began = time.perf_counter()
        size, proof = checkpoints.inclusion(CHAIN, index, length)
        times.append(time.perf_counter() - began)
        assert size == length and proof
    return statistics.median(times) * 1e6


def verify_per_entry(url: str, entries: int) -> float:
    """Microseconds per entry of `consent-ledger verify` against the database (start-up included)."""
    began = time.perf_counter()
    result = CliRunner().invoke(app, ["verify", "--database-url", url])
    assert result.exit_code == 0, result.output
    return (time.perf_counter() - began) / entries * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="0,100000,1000000")
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5, help="the rate at each size is the median of these")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with throwaway_database() as url:
        ledger = build_ledger(settings(url), "redis://127.0.0.1:6379/10")
        for producer_id in TEST_PRODUCERS:
            ledger.producers.put_producer(
                ProducerRecord(producer_id, PRODUCER_SIGNER.public_text(), ("*",), ("*",), datetime.now(UTC))
            )
        with psycopg.connect(url, autocommit=True) as conn:
            for table in TABLES:
                conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        tune_collector()
        measure(ledger, 10**9, 2000)  # the chain exists and the subject's keys are made
        raw_url = url
        filled = ledger.store.count_entries()
        first = None
        checkpoints = Checkpoints(SqlTreeStore(ledger.store), [], "")  # proofs only: no signer
        print(
            f"{'entries':>10} {'append events/s':>16} {'ratio to 0':>11} {'consent p50 us':>15} "
            f"{'proof p50 us':>13} {'verify us/entry':>16}"
        )
        for i, size in enumerate(sizes):
            if size > filled:
                began = time.perf_counter()
                grow(raw_url, size - filled, serial=10**8 * (i + 1))
                print(f"           (grown by {size - filled} entries in {time.perf_counter() - began:.0f} s)")
                filled = ledger.store.count_entries()
                with psycopg.connect(raw_url, autocommit=True) as conn:
                    conn.execute("CHECKPOINT")  # the bulk load's flush is not what is measured
                # the same warm-up as before the rate at 0: the first reads after a bulk load set the
                # hint bits of the pages it wrote, a cost of the COPY, not of the ledger's size
                measure(ledger, 10**9 + 10**7 * (i + 1), 2000)
                filled += 2000
            runs = [measure(ledger, 10**7 * (i + 1) + 10**6 * r, args.events) for r in range(args.runs)]
            rate = statistics.median(runs)
            filled += args.events * args.runs
            first = first or rate
            subjects = (
                [f"p1-{10**8 * (i + 1) + k * 10:064d}" for k in range(2000)] if size else ["p1-none"] * 2000
            )
            length = ledger.store.count_entries()
            print(
                f"{size:>10} {rate:>16.0f} {rate / first:>11.2f} {consent_p50(ledger, subjects):>15.0f} "
                f"{proof_p50(checkpoints, length):>13.0f} {verify_per_entry(url, length):>16.2f}"
            )
            print(f"           (runs: {', '.join(f'{r:.0f}' for r in runs)} events/s)")
        print("target: ratio >= 0.90 at 1,000,000 (issue 16)")
        ledger.store.dispose()


if __name__ == "__main__":
    main()

"""Proofs at 1,000,000 entries and checkpoint signing against ingest, each beside a raw baseline
run in the same process, as ratios. (Full verification speed: bench/verify.py.)

proofs:   inclusion and consistency proofs (p50/p99) from a tree of N leaves stored in
          PostgreSQL the way the append path stores it; baseline: one bare SELECT of the same
          node rows. Target: <= 1 ms each at 1,000,000.
signing:  growing the tree (leaf + node hashes) per entry and signing one checkpoint, against
          the ingest target of 10,000 entries/s: the share of one core it takes to keep pace.

    uv run python bench/proofs.py [--leaves 1000000] [--proofs 2000]

Needs PostgreSQL (BENCH_POSTGRES_URL, an admin URL used to create a throw-away database).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consent_ledger.adapters.sql.engine import make_engine, make_read_engine, migrate  # noqa: E402
from consent_ledger.adapters.sql.store import SqlLedgerStore  # noqa: E402
from consent_ledger.adapters.sql.tree import SqlTreeStore  # noqa: E402
from consent_ledger.app.checkpoints import Checkpoints, StoredCheckpoint  # noqa: E402
from consent_ledger.core.merkle import (  # noqa: E402
    Frontier,
    consistency_ranges,
    inclusion_ranges,
    leaf_of,
    node_position,
    pieces,
)
from consent_ledger.core.notes import Checkpoint, NoteSigner, SignedNote  # noqa: E402

from bench.pgdb import throwaway_database  # noqa: E402

CHAIN = "werkcorporatie"
INGEST_TARGET = 10_000  # entries/s (DESIGN.md)


def ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leaves", type=int, default=1_000_000)
    ap.add_argument("--proofs", type=int, default=2000)
    args = ap.parse_args()
    with throwaway_database() as url:
        bench_proofs(url, args.leaves, args.proofs)
        bench_signing()


def bench_proofs(url: str, n: int, count: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(1)
    frontier, made = Frontier().extend(leaf_of(rng.randbytes(16)) for _ in range(n))
    with psycopg.connect(url) as conn:  # the stored tree, as the append path writes it
        with conn.cursor().copy("COPY merkle_node (chain, pos, hash) FROM STDIN") as copy:
            for key, h in made:
                copy.write_row((CHAIN, node_position(*key), h))
        conn.execute(
            "INSERT INTO chain_head (chain, length, head_hash, frontier) VALUES (%s, %s, %s, %s)",
            (CHAIN, n, bytes(32), b"".join(frontier.peaks)),
        )
        conn.execute("ANALYZE merkle_node")
    store = SqlLedgerStore(engine, make_read_engine(url))
    trees = SqlTreeStore(store)
    cps = Checkpoints(trees, [NoteSigner.generate("bench.example")], "bench.example")
    trees.put_checkpoint(StoredCheckpoint(CHAIN, n, frontier.root(), "", "2026-11-23T00:00:00Z"))
    indexes = [rng.randrange(n) for _ in range(count)]
    olds = [rng.randrange(1, n) for _ in range(count)]

    def timed(call, args_list) -> list[float]:  # type: ignore[no-untyped-def]
        out = []
        for a in args_list:
            t = time.perf_counter()
            call(a)
            out.append(time.perf_counter() - t)
        return out

    for i in indexes[:100]:
        cps.inclusion(CHAIN, i, n)
    inc = timed(lambda i: cps.inclusion(CHAIN, i, n), indexes)
    con = timed(lambda m: cps.consistency(CHAIN, m, n), olds)
    bare = text("SELECT pos, hash FROM merkle_node WHERE chain = :c AND pos = ANY(:p)")

    def raw_fetch(ranges) -> None:  # type: ignore[no-untyped-def]
        wanted = sorted({node_position(*k) for a, b in ranges for k in pieces(a, b)})
        with store.reader.connect() as conn:
            conn.execute(bare, {"c": CHAIN, "p": wanted}).all()

    inc_raw = timed(lambda i: raw_fetch(inclusion_ranges(i, n)), indexes)
    con_raw = timed(lambda m: raw_fetch(consistency_ranges(m, n)), olds)
    print(f"proofs            tree of {n:,} leaves on PostgreSQL, {count} proofs each")
    for label, api, raw in (("inclusion", inc, inc_raw), ("consistency", con, con_raw)):
        print(
            f"{label:<12}      p50 {ms(api, 0.5):6.3f} ms  p99 {ms(api, 0.99):6.3f} ms   (target <= 1 ms)   "
            f"bare SELECT p99 {ms(raw, 0.99):6.3f} ms   ratio {ms(api, 0.99) / ms(raw, 0.99):4.2f}"
        )
    store.dispose()


def bench_signing() -> None:
    rng = random.Random(2)
    bodies = [rng.randbytes(600) for _ in range(100_000)]
    t = time.perf_counter()
    for b in bodies:
        hashlib.sha256(b).digest()
    raw = time.perf_counter() - t
    frontier = Frontier()
    t = time.perf_counter()
    for i in range(0, len(bodies), 500):  # as the append path: one batch at a time
        frontier, _ = frontier.extend(leaf_of(b) for b in bodies[i : i + 500])
    grow = time.perf_counter() - t
    signer = NoteSigner.generate("bench.example")
    t = time.perf_counter()
    for _ in range(200):
        text_ = Checkpoint("bench.example/c", frontier.size, frontier.root()).text()
        SignedNote(text_, (signer.sign(text_),)).render()
    sign = (time.perf_counter() - t) / 200
    per_second = INGEST_TARGET * grow / len(bodies) + sign  # one checkpoint a second at 10,000 entries/s
    print(
        f"signing           tree growth {len(bodies) / grow:,.0f} entries/s "
        f"(bare SHA-256 {len(bodies) / raw:,.0f}/s, "
        f"ratio {raw / grow:4.2f}); one signed checkpoint {sign * 1000:.3f} ms"
    )
    print(
        f"signing           keeping pace with {INGEST_TARGET:,} entries/s and a checkpoint a second takes "
        f"{per_second * 100:.1f}% of one core"
    )


if __name__ == "__main__":
    main()

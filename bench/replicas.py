"""Two chains on one and on two consumer replicas, beside the raw baseline in the same run, with the
CPU that PostgreSQL, Redis and the consumers each spend per event (docs/scaling.md).

input:    N signed disclosures on the disclosure stream, alternating between two controllers, so two
          chains; every event of its own subject, as at a municipality.
replicas: 1, then 2 `consume` processes (each the real consumer: FastStream batches, its screening
          workers, one writer) on one consumer group, one PostgreSQL ledger and one Redis; timed
          from their start until all N are committed.
baseline: bench/ingest.py's raw loop (XREADGROUP + COPY + commit + XACK) over the same bodies.
CPU:      per process class from /proc over the timed window, in microseconds per event: what one
          PostgreSQL and one Redis carry follows from their share.

    uv run python bench/replicas.py [--events 20000] [--batch 1000]

Needs Redis (BENCH_REDIS_URL) and PostgreSQL (BENCH_POSTGRES_URL), as bench/ingest.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import REDIS_URL, preload, run_baseline  # noqa: E402
from bench.pgdb import throwaway_database  # noqa: E402

CHAINS = ("werkcorporatie", "werkkrachtcentrale")
BSN_FIRST = 100_000_000


def bodies(n: int) -> list[bytes]:
    """n disclosures, alternating between the two chains, each about its own resident."""
    from ledger_contracts.subjects import is_valid_bsn

    from tests.support.factories import disclosure

    subjects, candidate = [], BSN_FIRST
    while len(subjects) < n:
        if is_valid_bsn(f"{candidate:09d}"):
            subjects.append(f"{candidate:09d}")
        candidate += 1
    return [
        json.dumps(disclosure(bsn=s, event_id=f"replicas-{i:08d}", controller=CHAINS[i % 2])).encode()
        for i, s in enumerate(subjects)
    ]


def replica(db_url: str, batch: int, name: str, ready, go, stop) -> None:  # type: ignore[no-untyped-def]
    """One `consume` process: the consumer as bench/ingest.py runs it, started on `go`."""
    from consent_ledger.adapters.broker.groups import ensure_groups
    from consent_ledger.adapters.collector import tune_collector

    from bench.ingest import bench_ledger

    async def run() -> None:
        ledger = bench_ledger(db_url, batch, name)
        await ensure_groups(ledger.redis)
        await ledger.consumer.start()
        tune_collector()
        ready.set()
        while not go.is_set():
            await asyncio.sleep(0.001)
        await ledger.broker.start()
        while not stop.is_set():
            await asyncio.sleep(0.01)
        await ledger.broker.stop()
        await ledger.consumer.drain()
        await ledger.redis.aclose()
        ledger.store.dispose()

    asyncio.run(run())


def cpu_by_class(consumers: set[int], redis_pid: int) -> Counter[str]:
    """CPU seconds so far of every process, by class: PostgreSQL, Redis, the consumers (with their
    screening workers)."""
    hz = os.sysconf("SC_CLK_TCK")
    out: Counter[str] = Counter()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / hz
        parent = int(fields[1])
        if int(pid) in consumers or parent in consumers:
            out["consumers"] += seconds
        elif int(pid) == redis_pid:
            out["redis"] += seconds
        elif b"postgres" in command:
            out["postgresql"] += seconds
    return out


def committed(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT coalesce(sum(length), 0) FROM chain_head").fetchone()
    return int(row[0]) if row else 0


def run_replicas(
    r: redis.Redis, db_url: str, data: list[bytes], count: int, batch: int
) -> tuple[float, dict]:
    from ledger_contracts.streams import DISCLOSURE_STREAM

    preload(r, DISCLOSURE_STREAM, data, signed=True)
    spawn = multiprocessing.get_context("spawn")
    ready = [spawn.Event() for _ in range(count)]
    go, stop = spawn.Event(), spawn.Event()
    procs = [
        spawn.Process(target=replica, args=(db_url, batch, f"bench-{i}", ready[i], go, stop))
        for i in range(count)
    ]
    for p in procs:
        p.start()
    for e in ready:
        if not e.wait(120):
            raise SystemExit("a replica did not start")
    pids = {p.pid for p in procs if p.pid is not None}
    redis_pid = int(r.info("server")["process_id"])
    with psycopg.connect(db_url, autocommit=True) as conn:  # one connection polls: no fork per look
        before = cpu_by_class(pids, redis_pid)
        start = time.perf_counter()
        go.set()
        while committed(conn) < len(data):
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        after = cpu_by_class(pids, redis_pid)
        stop.set()
        for p in procs:
            p.join(60)
        assert committed(conn) == len(data)
    per_event = {k: (after[k] - before[k]) / len(data) * 1e6 for k in ("consumers", "postgresql", "redis")}
    return elapsed, per_event


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()
    r = redis.Redis.from_url(REDIS_URL)
    data = bodies(args.events)
    print(f"events            {args.events} (two chains, alternating; one subject each)")
    try:
        r.flushdb()
        from bench.ingest import RAW_STREAM

        preload(r, RAW_STREAM, data)
        with throwaway_database() as db_url:
            base = args.events / run_baseline(r, db_url, args.events, args.batch)
        print(f"  raw baseline   {base:10.0f} events/s")
        rates = {}
        for count in (1, 2):
            r.flushdb()
            with throwaway_database() as db_url:
                elapsed, cpu = run_replicas(r, db_url, data, count, args.batch)
            rates[count] = args.events / elapsed
            shares = "  ".join(f"{k} {v:5.0f} us" for k, v in cpu.items())
            print(
                f"  {count} replica{'s' if count > 1 else ' '}     {rates[count]:10.0f} events/s  "
                f"ratio {rates[count] / base:4.2f}   CPU per event: {shares}"
            )
        print(f"  2 replicas / 1 replica   {rates[2] / rates[1]:.2f}  (on {os.cpu_count()} cores)")
    finally:
        r.flushdb()


if __name__ == "__main__":
    main()

"""Full verification speed, each figure beside a raw baseline run in the same process, as a ratio.

Full verification: every entry's hash recomputed along the chain, its seq checked, and the
Merkle root recomputed from the bodies and held against the latest signed checkpoint (whose
signature is checked with the public key). Target (DESIGN.md): >= 500,000 entries/s.

core:      check_segment + stitch over M bodies in memory, one process;
           baseline: one bare SHA-256 per body.
export:    `consent-ledger verify --export FILE --key PUB`, in this process (start-up excluded),
           on a v2 export of M entries, every core;
           baseline: read the file and one bare SHA-256 per line, one process.
database:  `consent-ledger verify --key PUB` against PostgreSQL holding the same M entries;
           baseline: one bare SELECT of the bodies and hashes (binary results) and one SHA-256 per
           body, one process.

Each command runs once untimed before the timed run: that run loads the command's modules (start-up
is bench/startup.py's) and reads the rows just loaded by COPY for the first time, which sets
PostgreSQL's hint bits on them, a cost paid once per row in the ledger's life, not per verification.

    uv run python bench/verify.py [--entries 500000]

Needs PostgreSQL (BENCH_POSTGRES_URL, an admin URL used to create a throw-away database).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consent_ledger.adapters.sql.engine import make_engine, migrate  # noqa: E402
from consent_ledger.app.export import write_export  # noqa: E402
from consent_ledger.app.parallel_verify import usable_cores  # noqa: E402
from consent_ledger.cli import app  # noqa: E402
from consent_ledger.core.entries import ChainHead, append_records  # noqa: E402
from consent_ledger.core.merkle import Frontier, leaf_of  # noqa: E402
from consent_ledger.core.notes import Checkpoint, NoteSigner, SignedNote  # noqa: E402
from consent_ledger.core.segments import check_segment, stitch  # noqa: E402
from consent_ledger.core.verify import StoredEntry  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from bench.pgdb import throwaway_database  # noqa: E402

CHAIN = "werkcorporatie"
ORIGIN = "bench.example"
TARGET = 500_000


def entries_of(m: int) -> tuple[ChainHead, list[StoredEntry]]:
    """M realistic disclosure entries (as the ledger writes them), about 380 bytes each."""
    records = (
        (
            "event",
            {
                "event": {
                    "event_id": f"evt-{i}",
                    "event_type": "disclosure.recorded",
                    "data": {
                        "recipient": {"category": "werkgever"},
                        "subject": {"pseudonym": "p1-" + hashlib.sha256(b"%d" % (i % 5000)).hexdigest()},
                    },
                },
                "content_mac": hashlib.sha256(str(i).encode()).hexdigest(),
            },
        )
        for i in range(m)
    )
    appended, head = append_records(ChainHead.genesis(CHAIN), records, datetime.now(UTC), checked=False)
    return head, [StoredEntry(e.body, e.entry_hash) for e in appended]


def line(label: str, m: int, seconds: float, raw_seconds: float, raw_label: str) -> None:
    rate, raw = m / seconds, m / raw_seconds
    print(
        f"{label:<10}{rate:>12,.0f} entries/s   (target >= {TARGET:,}/s)   {raw_label} {raw:,.0f}/s   "
        f"ratio {rate / raw:4.2f}"
    )


def bench_core(entries: list[StoredEntry]) -> None:
    m = len(entries)
    bodies, hashes = [e.body for e in entries], [e.entry_hash for e in entries]
    t = time.perf_counter()
    for b in bodies:
        hashlib.sha256(b).digest()
    raw = time.perf_counter() - t
    t = time.perf_counter()
    step = 1 << 15
    segments = [
        check_segment(CHAIN, a, bodies[a : a + step], hashes[a : a + step], {m}) for a in range(0, m, step)
    ]
    assert all(segments) and stitch(CHAIN, segments, m, {m}) is not None  # type: ignore[arg-type]
    line("core", m, time.perf_counter() - t, raw, "bare SHA-256")


def signed_checkpoint(entries: list[StoredEntry], signer: NoteSigner) -> tuple[bytes, str]:
    root = Frontier().extend(leaf_of(e.body) for e in entries)[0].root()
    text = Checkpoint(f"{ORIGIN}/{CHAIN}", len(entries), root).text()
    return root, SignedNote(text, (signer.sign(text),)).render()


def run_verify(*args: str) -> float:
    CliRunner().invoke(app, ["verify", *args])  # the untimed first run (the module's docstring)
    t = time.perf_counter()
    result = CliRunner().invoke(app, ["verify", *args])
    seconds = time.perf_counter() - t
    if result.exit_code != 0 or "matches the entries" not in result.output:
        raise SystemExit(f"verify did not hold: {result.output}")
    return seconds


def write_file(head: ChainHead, entries: list[StoredEntry], note: str, path: Path) -> None:
    class Source:
        def heads(self) -> list[ChainHead]:
            return [head]

        def iter_entries(self, chain: str):  # type: ignore[no-untyped-def]
            return iter(entries)

    with path.open("wb") as fh:
        write_export(Source(), fh, checkpoints={CHAIN: note})


def write_database(url: str, head: ChainHead, entries: list[StoredEntry], root: bytes, note: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    stamp = datetime.now(UTC).isoformat()
    with psycopg.connect(url) as conn:
        with conn.cursor().copy(
            "COPY ledger_entry (chain, seq, entry_hash, body, kind, recorded_at) FROM STDIN"
        ) as copy:
            for i, e in enumerate(entries):
                copy.write_row((CHAIN, i, e.entry_hash, e.body, "event", stamp))
        conn.execute(
            "INSERT INTO chain_head (chain, length, head_hash) VALUES (%s, %s, %s)",
            (CHAIN, head.length, head.head_hash),
        )
        conn.execute(
            "INSERT INTO checkpoint (chain, size, root_hash, note, issued_at) VALUES (%s, %s, %s, %s, %s)",
            (CHAIN, len(entries), root, note, stamp),
        )
        conn.execute("ANALYZE ledger_entry")


def bench_export(m: int, path: Path, key: str) -> None:
    t = time.perf_counter()
    with path.open("rb") as fh:
        fh.readline()
        for raw_line in fh:
            hashlib.sha256(raw_line).digest()
    raw = time.perf_counter() - t
    line("export", m, run_verify("--export", str(path), "--key", key), raw, "read + bare SHA-256")


def bench_database(m: int, url: str, key: str) -> None:
    with psycopg.connect(url) as conn, conn.cursor(binary=True) as cur:
        t = time.perf_counter()
        rows = cur.execute(
            "SELECT body, entry_hash FROM ledger_entry WHERE chain = %s ORDER BY seq", (CHAIN,)
        )
        for body, _ in rows:
            hashlib.sha256(body).digest()
        raw = time.perf_counter() - t
    line("database", m, run_verify("--database-url", url, "--key", key), raw, "SELECT + bare SHA-256")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=500_000)
    m = ap.parse_args().entries
    head, entries = entries_of(m)
    size = sum(len(e.body) for e in entries) // m
    print(f"verify    {m:,} entries of ~{size} bytes, {usable_cores()} cores; full verification")
    bench_core(entries)
    signer = NoteSigner.generate(ORIGIN)
    root, note = signed_checkpoint(entries, signer)
    key = str(signer.verifier())
    with throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.jsonl"
        write_file(head, entries, note, path)
        write_database(url, head, entries, root, note)
        del entries  # the commands run as an auditor runs them: with only the file or the database
        gc.collect()
        bench_export(m, path, key)
        bench_database(m, url, key)


if __name__ == "__main__":
    main()

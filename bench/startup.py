"""Start-up of the auditor's commands, each beside `python -c pass` run the same way in the same run.

Every command runs as an auditor runs it, as its own process through the installed
`consent-ledger` script, on small inputs, so that what is timed is the start-up: importing what
the command needs and getting to its work. Target (issue 16): under 0.3 s each.

    --help                the command list
    keys generate         a new checkpoint key pair
    verify-receipt        one entry's receipt against the public key
    verify-consistency    a consistency proof between two signed checkpoints
    verify --export       an export of 256 entries with its signed checkpoint, offline
    verify (SQLite)       the same 256 entries in a SQLite ledger (the embedded default)
    verify (PostgreSQL)   the same in a PostgreSQL ledger (BENCH_POSTGRES_URL, as bench/ingest.py)

Each is run once untimed first, with bytecode writing allowed, as an installed program runs: pip
writes the bytecode at install and `uv run` on first use (PYTHONDONTWRITEBYTECODE is unset for the
commands). The median of `--runs` runs is printed.

    uv run python bench/startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consent_ledger.adapters.sql.engine import make_engine, migrate  # noqa: E402
from consent_ledger.core.audit import RECEIPT_FORMAT  # noqa: E402
from consent_ledger.core.merkle import leaf_of  # noqa: E402
from consent_ledger.core.notes import Checkpoint, NoteSigner, SignedNote  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.pgdb import throwaway_database  # noqa: E402
from bench.verify import CHAIN, ORIGIN, entries_of, write_file  # noqa: E402
from tests.support import merkle_naive  # noqa: E402

TARGET = 0.3
ENTRIES = 256
SCRIPT = Path(sys.executable).with_name("consent-ledger")


def note(bodies: list[bytes], size: int, signer: NoteSigner) -> str:
    text = Checkpoint(f"{ORIGIN}/{CHAIN}", size, merkle_naive.mth(bodies[:size])).text()
    return SignedNote(text, (signer.sign(text),)).render()


def database_ledger(url: str, entries, head, checkpoint: str) -> str:  # type: ignore[no-untyped-def]
    """The entries, their head and the checkpoint in a new ledger at `url`, made by the migrations."""
    engine = make_engine(url)
    migrate(engine)
    stamp = datetime.now(UTC).isoformat()
    size, root = len(entries), merkle_naive.mth([e.body for e in entries])
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entry (chain, seq, entry_hash, body, kind, recorded_at) "
                "VALUES (:chain, :seq, :hash, :body, 'event', :at)"
            ),
            [
                {"chain": CHAIN, "seq": i, "hash": e.entry_hash, "body": e.body, "at": stamp}
                for i, e in enumerate(entries)
            ],
        )
        conn.execute(
            text("INSERT INTO chain_head (chain, length, head_hash, frontier) VALUES (:c, :n, :h, :f)"),
            {"c": CHAIN, "n": head.length, "h": head.head_hash, "f": b"".join(head.frontier)},
        )
        conn.execute(
            text(
                "INSERT INTO checkpoint (chain, size, root_hash, note, issued_at) "
                "VALUES (:c, :size, :root, :note, :at)"
            ),
            {"c": CHAIN, "size": size, "root": root, "note": checkpoint, "at": stamp},
        )
    engine.dispose()
    return url


def inputs(tmp: Path, postgres: str) -> list[tuple[str, list[str]]]:
    """The commands, with their small inputs written under `tmp`."""
    head, entries = entries_of(ENTRIES)
    bodies = [e.body for e in entries]
    signer = NoteSigner.generate(ORIGIN)
    key = str(signer.verifier())
    latest, older = note(bodies, ENTRIES, signer), note(bodies, ENTRIES // 2, signer)
    export = tmp / "ledger.jsonl"
    write_file(head, entries, latest, export)
    seq = 4
    receipt = tmp / "receipt.json"
    receipt.write_text(
        json.dumps(
            {
                "format": RECEIPT_FORMAT,
                "chain": CHAIN,
                "seq": seq,
                "body": bodies[seq].decode(),
                "leaf_hash": leaf_of(bodies[seq]).hex(),
                "inclusion": {"size": ENTRIES, "proof": [h.hex() for h in merkle_naive.path(seq, bodies)]},
                "checkpoint": latest,
            }
        )
    )
    proof = tmp / "consistency.json"
    hashes = [h.hex() for h in merkle_naive.proof(ENTRIES // 2, bodies)]
    proof.write_text(json.dumps({"old": ENTRIES // 2, "new": ENTRIES, "proof": hashes}))
    (tmp / "old.note").write_text(older)
    (tmp / "new.note").write_text(latest)
    database = database_ledger(f"sqlite:///{tmp / 'ledger.db'}", entries, head, latest)
    database_ledger(postgres, entries, head, latest)
    return [
        ("--help", ["--help"]),
        ("keys generate", ["keys", "generate", ORIGIN]),
        ("verify-receipt", ["verify-receipt", str(receipt), "--key", key]),
        (
            "verify-consistency",
            ["verify-consistency", str(proof), "--key", key]
            + ["--old", str(tmp / "old.note"), "--new", str(tmp / "new.note")],
        ),
        ("verify --export", ["verify", "--export", str(export), "--key", key]),
        ("verify (SQLite)", ["verify", "--database-url", database, "--key", key]),
        ("verify (PostgreSQL)", ["verify", "--database-url", postgres, "--key", key]),
    ]


def timed(argv: list[str], runs: int, env: dict[str, str]) -> float:
    first = subprocess.run(argv, env=env, capture_output=True, text=True)  # writes the bytecode
    if first.returncode != 0:
        raise SystemExit(f"{' '.join(argv[1:3])} failed ({first.returncode}): {first.stdout}{first.stderr}")
    seconds = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        seconds.append(time.perf_counter() - t)
    return statistics.median(seconds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    runs = ap.parse_args().runs
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp, throwaway_database() as postgres:
        env["LEDGER_HOME"] = tmp  # no ledger of the caller's is read
        commands = inputs(Path(tmp), postgres)
        bare = timed([sys.executable, "-c", "pass"], runs, env)
        print(f"startup   median of {runs} runs; target < {TARGET * 1000:.0f} ms each")
        for label, args in commands:
            seconds = timed([str(SCRIPT), *args], runs, env)
            verdict = "ok" if seconds < TARGET else "ABOVE TARGET"
            print(
                f"{label:<20}{seconds * 1000:>7.0f} ms   python -c pass {bare * 1000:.0f} ms   "
                f"ratio {seconds / bare:5.1f}   {verdict}"
            )


if __name__ == "__main__":
    main()

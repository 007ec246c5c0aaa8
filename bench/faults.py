"""The fault suite with its figures: `uv run python bench/faults.py` (the short run, as in the
tests) or `--long` (30 kill -9, PostgreSQL down 30 s, a burst of 20,000 across a Redis restart,
1,000 rounds of two replicas, 200 fuzzed batches through the real consumer). Needs the same
Redis and PostgreSQL as the tests; prints one line per fault."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--long", action="store_true", help="run each fault many more times")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures.jsonl"
        env = {**os.environ, "FAULTS_FIGURES": str(figures), "FAULTS_SCALE": "long" if args.long else "short"}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "tests/faults", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=env,
        )
        last: dict[str, dict[str, object]] = {}
        for line in figures.read_text().splitlines() if figures.exists() else []:
            row = json.loads(line)
            last[row.pop("fault")] = row
    print(f"\nfault figures ({'long' if args.long else 'short'} run)")
    for fault, measured in last.items():
        print(f"  {fault}: " + ", ".join(f"{k} {v}" for k, v in measured.items()))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())

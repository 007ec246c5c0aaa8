"""The auditor's commands start at once (issue 16): they load neither the database layer, the broker,
the settings machinery nor the event models. How fast they start is bench/startup.py's to measure;
this holds the cause of a slow start, a heavy import on their path, out of the code."""

import json
import subprocess
import sys

import pytest

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pydantic_settings",
    "redis",
    "faststream",
    "fastapi",
    "httpx",
    "ledger_contracts.events",
    "consent_notifier.adapters",
    "consent_notifier.bootstrap",
)

RUN = """
import json, sys
sys.argv = ["consent-ledger", *json.loads(sys.argv[1])]
from consent_ledger.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded(args: list[str], cwd) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(args)], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["keys", "generate", "ledger.example"],
        ["verify-receipt", "receipt.json", "--key", "ledger.example+00000000+AAAA"],
        ["verify-consistency", "proof.json", "--old", "a", "--new", "b", "--key", "k"],
        ["verify", "--export", "ledger.jsonl"],
        ["verify", "--help"],
    ],
    ids=" ".join,
)
def test_an_auditor_command_loads_nothing_heavy(args, tmp_path):
    (tmp_path / "ledger.jsonl").write_text("")
    modules = loaded(args, tmp_path)
    assert "consent_ledger.cli" in modules  # the command did run
    heavy = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == []

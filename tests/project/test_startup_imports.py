"""The auditor's commands start at once (issue 16): they load neither the database layer, the broker,
the settings machinery nor the event models. How fast they start is bench/startup.py's to measure;
this holds the cause of a slow start, a heavy import on their path, out of the code."""

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from consent_ledger.core.notes import NoteSigner

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
from consent_platform.cli import main
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
        ["verify", "--database-url", "sqlite:///ledger.db", "--key", "KEY"],
        ["verify"],  # the ledger in LEDGER_HOME
    ],
    ids=" ".join,
)
def test_an_auditor_command_loads_nothing_heavy(args, tmp_path, monkeypatch):
    (tmp_path / "ledger.jsonl").write_text("")
    sqlite_ledger(tmp_path / "ledger.db")
    monkeypatch.delenv("LEDGER_DATABASE_URL", raising=False)
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    args = [a if a != "KEY" else str(NoteSigner.generate("ledger.example").verifier()) for a in args]
    modules = loaded(args, tmp_path)
    assert "consent_platform.cli" in modules  # the command did run
    if args[0] == "verify" and "--export" not in args and "--help" not in args:
        assert "consent_ledger.adapters.sql.audit" in modules  # it read the database
    heavy = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == []


def sqlite_ledger(path) -> None:  # type: ignore[no-untyped-def]
    """A ledger of one chain of three entries, made as `up` makes it (the migrations)."""
    from consent_ledger.adapters.sql.engine import make_engine, migrate
    from consent_ledger.core.entries import ChainHead, append_records

    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    records = [("event", {"event": {"event_id": f"e-{i}"}}) for i in range(3)]
    entries, head = append_records(
        ChainHead.genesis("werkcorporatie"), records, datetime(2026, 3, 1, tzinfo=UTC)
    )
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO ledger_entry (chain, seq, entry_hash, body, kind, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(e.chain, e.seq, e.entry_hash, e.body, "event", "2026-03-01T00:00:00Z") for e in entries],
        )
        conn.execute(
            "INSERT INTO chain_head (chain, length, head_hash, frontier) VALUES (?, ?, ?, ?)",
            (head.chain, head.length, head.head_hash, b""),
        )

"""The newcomer's path through the real command: up (embedded Redis, SQLite), demo, verify,
export; then a hand edit of one stored entry makes verify fail and name it."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import urllib.request

from tests.conftest import wait_until

CLI = [sys.executable, "-m", "consent_platform.cli"]


def run(args, env, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(CLI + args, env=env, capture_output=True, text=True, timeout=120, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def test_up_demo_verify_tamper(tmp_path):
    home = tmp_path / "home"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(LEDGER_HOME=str(home), LEDGER_HTTP_PORT=str(port))
    up = subprocess.Popen(
        CLI + ["up", "--dev"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:

        def healthy() -> bool:
            try:
                return get(f"http://127.0.0.1:{port}/health")["status"] == "ok"
            except OSError:
                return False

        wait_until(healthy, timeout=60, what="consent-ledger up to report healthy")
        demo = run(["demo", "--subjects", "3", "--seed", "7"], env)
        assert demo.returncode == 0, demo.stderr
        db = home / "ledger.db"

        def entries() -> int:
            with sqlite3.connect(db) as conn:
                return conn.execute(
                    "SELECT count(*) FROM ledger_entry WHERE chain = 'werkcorporatie'"
                ).fetchone()[0]

        # the register (published by `up --dev` from register/), the demo's 19 events, and the
        # notice to the website editors of its one withdrawal
        wait_until(lambda: entries() == 21, what="the register, the demo's 19 entries and 1 notice")
        ok = run(["verify"], env)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "intact" in ok.stdout and "21 entries" in ok.stdout
        clean = run(["violations"], env)  # the demo keeps to the register
        assert clean.returncode == 0 and "0 violations" in clean.stdout, clean.stdout + clean.stderr
        exported = run(["export", "--out", str(tmp_path / "ledger.jsonl")], env)
        assert exported.returncode == 0, exported.stderr
        offline = run(["verify", "--export", str(tmp_path / "ledger.jsonl")], env)
        assert offline.returncode == 0 and "21 entries" in offline.stdout
    finally:
        up.terminate()
        up.wait(30)

    with sqlite3.connect(db) as conn:  # the database administrator edits one entry by hand
        # the three streams are read in no fixed order, so find a disclosure rather than assume its seq
        seq, body = conn.execute(
            'SELECT seq, body FROM ledger_entry WHERE seq > 1 AND CAST(body AS TEXT) LIKE \'%"channel":"%\' '
            "ORDER BY seq LIMIT 1"
        ).fetchone()
        edited = body.replace(b'"channel":"', b'"channel":"x')
        assert edited != body
        conn.execute("UPDATE ledger_entry SET body = ? WHERE seq = ?", (edited, seq))
    damaged = run(["verify"], env)
    assert damaged.returncode == 1
    assert f"first bad entry {seq}: payload-changed" in damaged.stdout.replace("\n", " ")

    assert run(["verify", "--export", str(tmp_path / "missing.jsonl")], env).returncode == 2
    (tmp_path / "junk.jsonl").write_text("hello\n")
    assert run(["verify", "--export", str(tmp_path / "junk.jsonl")], env).returncode == 2
    assert run(["verify", "--no-such-flag"], env).returncode == 2


def test_up_refuses_without_keys_outside_dev_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_HOME"] = str(tmp_path)
    result = run(["up"], env)
    assert result.returncode == 2
    assert "LEDGER_PSEUDONYM_KEY" in result.stderr
    env.update(LEDGER_PSEUDONYM_KEY="00" * 32, LEDGER_ENCRYPTION_KEY="11" * 32)
    weak = run(["up"], env)
    assert weak.returncode == 2 and "not random" in weak.stderr

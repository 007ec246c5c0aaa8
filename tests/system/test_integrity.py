"""Done-when of the integrity work, through the real commands against `consent-ledger up`: an
auditor holding only an export, a saved checkpoint and the public key verifies the whole
ledger, one entry's receipt, and that nothing before the saved checkpoint changed; a witness
cosigns; and a rewrite by someone with database access who recomputed every hash (chain and
tree alike) is detected, and the ledger stops signing over it."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess

import httpx
import pytest

from tests.conftest import metrics_reader, wait_until, wait_until_healthy
from tests.system.test_cli import CLI, free_port, run


def keypair(env, *args) -> tuple[str, str]:
    made = run(["keys", "generate", *args], env)
    assert made.returncode == 0, made.stderr
    private, public = (line.split(" ", 1)[1].strip() for line in made.stdout.splitlines())
    return private, public


@pytest.fixture
def ledger(tmp_path):
    """`up` with a configured checkpoint key and one trusted witness (not dev keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
    env.update(LEDGER_HOME=str(tmp_path / "home"), LEDGER_LOG_ORIGIN="ledger.gemeente.example")
    log_private, log_public = keypair(env, "ledger.gemeente.example")
    witness_private, witness_public = keypair(env, "accountant.example/witness", "--witness")
    port = free_port()
    env.update(
        LEDGER_HTTP_PORT=str(port),
        LEDGER_CHECKPOINT_KEYS=log_private,
        LEDGER_WITNESS_KEYS=witness_public,
    )
    proc = subprocess.Popen(
        CLI + ["up", "--dev"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"

    try:
        wait_until_healthy(base)
        yield env, base, log_public, witness_private
    finally:
        proc.terminate()
        proc.wait(30)


def entries(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM ledger_entry WHERE chain = 'werkcorporatie'").fetchone()[0]


def checkpoint_size(base: str) -> int:
    answer = httpx.get(f"{base}/v1/chains/werkcorporatie/checkpoint")
    return int(answer.text.split("\n")[1]) if answer.status_code == 200 else -1


def test_auditor_verifies_offline_witness_cosigns_and_a_recomputed_rewrite_is_detected(ledger, tmp_path):
    env, base, public, witness_key = ledger
    db = tmp_path / "home" / "ledger.db"
    (tmp_path / "ledger.pub").write_text(public + "\n")
    key = ["--key", str(tmp_path / "ledger.pub")]

    assert run(["demo", "--subjects", "3", "--seed", "7"], env).returncode == 0
    # the register, the demo's 19 events and the notice of its one withdrawal (the notice comes
    # last, from the notifier: a checkpoint taken before it is not the one the witness will see)
    wait_until(lambda: entries(db) == 21, what="the demo and its notice on the ledger")
    wait_until(lambda: checkpoint_size(base) == entries(db), what="a checkpoint within a second or so")
    saved = tmp_path / "saved.note"
    saved.write_text(httpx.get(f"{base}/v1/chains/werkcorporatie/checkpoint").text)
    first_size = checkpoint_size(base)

    # a witness cosigns; the ledger keeps the cosignature and serves it with the checkpoint
    state = tmp_path / "witness.note"

    def witness() -> subprocess.CompletedProcess[str]:
        args = ["--ledger", base, "--chain", "werkcorporatie", "--key", witness_key, "--log-key", public]
        return run(["witness", *args, "--state", str(state)], env)

    witnessed = witness()
    assert witnessed.returncode == 0, witnessed.stdout + witnessed.stderr
    served = httpx.get(f"{base}/v1/chains/werkcorporatie/checkpoint").text
    assert "\u2014 accountant.example/witness " in served

    # the ledger grows; the auditor's export verifies and extends the saved checkpoint
    assert run(["demo", "--subjects", "2", "--seed", "8"], env).returncode == 0
    wait_until(lambda: checkpoint_size(base) == entries(db) > first_size, what="a newer checkpoint")
    export = tmp_path / "export.jsonl"
    assert run(["export", "-o", str(export)], env).returncode == 0
    offline = {k: v for k, v in env.items() if not k.startswith("LEDGER_")}  # nothing but the files
    verified = run(["verify", "--export", str(export), "--checkpoint", str(saved), *key], offline)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"the {first_size} entries your saved checkpoint signed are unchanged" in " ".join(
        verified.stdout.split()
    )
    saved_state = json.loads(saved.read_text())  # now the latest checkpoint of every chain
    assert saved_state["checkpoints"]["werkcorporatie"].split("\n")[1] == str(entries(db))

    # the consistency proof between the saved and the latest checkpoint, checked offline
    first_note, latest_note = tmp_path / "first.note", tmp_path / "latest.note"
    first_note.write_text(httpx.get(f"{base}/v1/chains/werkcorporatie/checkpoint?size={first_size}").text)
    latest_note.write_text(httpx.get(f"{base}/v1/chains/werkcorporatie/checkpoint").text)
    proved = run(["prove", "consistency", "werkcorporatie", str(first_size)], env)
    (tmp_path / "proof.json").write_text(proved.stdout)
    consistent = run(
        [
            "verify-consistency",
            str(tmp_path / "proof.json"),
            "--old",
            str(first_note),
            "--new",
            str(latest_note),
            *key,
        ],
        offline,
    )
    assert consistent.returncode == 0 and "extends the one of size" in " ".join(consistent.stdout.split())
    swapped = run(
        [
            "verify-consistency",
            str(tmp_path / "proof.json"),
            "--old",
            str(latest_note),
            "--new",
            str(first_note),
            *key,
        ],
        offline,
    )
    assert swapped.returncode == 1, swapped.stdout

    # one entry's receipt, checked with nothing but the public key
    receipt = tmp_path / "receipt.json"
    assert run(["receipt", "werkcorporatie", "4", "-o", str(receipt)], env).returncode == 0
    held = run(["verify-receipt", str(receipt), *key], offline)
    assert held.returncode == 0 and "entry 4 of chain 'werkcorporatie'" in held.stdout, held.stdout
    genuine = json.loads(receipt.read_text())
    forged = {**genuine, "body": genuine["body"].replace('"seq":4', '"seq":4,"x":1')}
    receipt.write_text(json.dumps(forged))
    refused = run(["verify-receipt", str(receipt), *key], offline)
    assert refused.returncode == 1 and "wrong-leaf" in refused.stdout, refused.stdout
    leaf = hashlib.sha256(b"\x00" + forged["body"].encode()).hexdigest()
    receipt.write_text(json.dumps({**forged, "leaf_hash": leaf}))
    refused = run(["verify-receipt", str(receipt), *key], offline)
    assert refused.returncode == 1 and "not-included" in refused.stdout, refused.stdout
    receipt.write_text(json.dumps({**genuine, "chain": "werkkrachtcentrale"}))
    refused = run(["verify-receipt", str(receipt), *key], offline)
    assert refused.returncode == 1 and "wrong-entry" in refused.stdout, refused.stdout
    printed = run(["keys", "public"], env)
    assert printed.returncode == 0 and printed.stdout.split() == [public], printed.stdout

    # the witness goes on from its saved state
    again = witness()
    assert again.returncode == 0, again.stdout

    # someone with database access rewrites entry 2 and recomputes every hash: chain and tree
    rewrite_with_recomputed_hashes(db, "werkcorporatie", 2)
    assert run(["verify"], env).returncode == 0  # the hash chain alone cannot see it
    caught = run(["verify", "--checkpoint", str(saved), *key], env)
    assert caught.returncode == 1, caught.stdout
    assert "rewritten" in caught.stdout and "werkcorporatie" in caught.stdout
    metrics = metrics_reader(env, base)
    assert run(["demo", "--subjects", "1", "--seed", "9"], env).returncode == 0
    wait_until(
        lambda: 'ledger_checkpoints_refused_total{reason="inconsistent-tree"}' in metrics(),
        what="the ledger refusing to sign over the rewrite",
    )
    witnessed_again = witness()
    assert witnessed_again.returncode == 0  # nothing new was signed: the witness sees the old checkpoint


def rewrite_with_recomputed_hashes(db, chain: str, seq: int) -> None:
    """What an attacker with write access does: change one body, then recompute the hash chain,
    the head, every Merkle node and the frontier, so that every stored hash agrees again."""
    from consent_ledger.core.hashing import entry_hash, genesis_hash
    from consent_ledger.core.merkle import Frontier, leaf_of, node_position

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT seq, body FROM ledger_entry WHERE chain = ? ORDER BY seq", (chain,)
        ).fetchall()
        bodies = [bytes(b) for _, b in rows]
        doc = json.loads(bodies[seq])
        doc["event"]["data"]["recipient"] = {"category": "werkgever", "name": "Someone Else BV"}
        bodies[seq] = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        prev = genesis_hash(chain)
        for i, body in enumerate(bodies):
            prev = entry_hash(prev, body)
            conn.execute(
                "UPDATE ledger_entry SET body = ?, entry_hash = ? WHERE chain = ? AND seq = ?",
                (body, prev, chain, i),
            )
        frontier, made = Frontier().extend(leaf_of(b) for b in bodies)
        conn.execute("DELETE FROM merkle_node WHERE chain = ?", (chain,))
        conn.executemany(
            "INSERT INTO merkle_node (chain, pos, hash) VALUES (?, ?, ?)",
            [(chain, node_position(*k), h) for k, h in made],
        )
        conn.execute(
            "UPDATE chain_head SET head_hash = ?, frontier = ? WHERE chain = ?",
            (prev, b"".join(frontier.peaks), chain),
        )

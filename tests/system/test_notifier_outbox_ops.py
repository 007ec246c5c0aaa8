"""The notifier's outbox as an operator runs it (issue 29 item 9): the relay `up` and `notifier`
start gives up after NOTIFIER_OUTBOX_MAX_ATTEMPTS; its log names the webhook (without its query,
which may hold a token); `consent-ledger outbox list` shows what waits and what was given up, and
`outbox retry ID` / `retry --all` deliver it again once the target answers. On both databases."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import redis.asyncio as aioredis
from consent_notifier.app.ports import OutboxItem
from consent_platform.runner import _relay

from tests.conftest import REDIS_URL
from tests.notifier.test_notifier_store import notifier  # noqa: F401 - the fixture
from tests.system.test_cli import free_port

CLI = [sys.executable, "-m", "consent_platform.cli"]


def outbox_cli(database_url: str, home, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
    env.update(LEDGER_HOME=str(home), NOTIFIER_DATABASE_URL=database_url)
    return subprocess.run(CLI + ["outbox", *args], env=env, capture_output=True, text=True, timeout=60)


class _Answers(BaseHTTPRequestHandler):
    got: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 - the handler's name
        _Answers.got.append(self.rfile.read(int(self.headers["content-length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


async def test_given_up_after_the_setting_then_listed_and_delivered_again(
    notifier,  # noqa: F811 - the fixture
    database_url,
    tmp_path,
    monkeypatch,
    caplog,
):
    deps, _ = notifier
    port = free_port()
    hook = f"http://127.0.0.1:{port}/meldingen?token=geheim-123"
    with deps.store.transaction() as tx:
        tx.enqueue([OutboxItem("webhook:ops", "webhook", hook, json.dumps({"decision": "deny"}))])

    monkeypatch.setenv("NOTIFIER_OUTBOX_MAX_ATTEMPTS", "3")
    client = aioredis.Redis.from_url(REDIS_URL)
    relay = _relay(deps, SimpleNamespace(redis=client, kek=b"k" * 32))  # type: ignore[arg-type]
    relay.first_delay = timedelta(0)  # each pass retries at once
    try:
        assert relay.max_attempts == 3
        with caplog.at_level(logging.ERROR, logger="consent_notifier.outbox"):
            for _ in range(3):
                await relay.deliver_due()  # nothing listens on the port yet
        hooks = [m for m in deps.store.outbox_undelivered(failed_only=True) if m.target == "webhook"]
        assert [(m.attempts, m.destination) for m in hooks] == [(3, hook)]  # given up at 3, not 12
        given_up = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
        assert any(f"webhook http://127.0.0.1:{port}/meldingen " in line for line in given_up), given_up
        assert not any("geheim" in line for line in caplog.text.splitlines())

        listed = outbox_cli(database_url, tmp_path, "list", "--failed")
        assert listed.returncode == 0, listed.stderr
        assert f"{hooks[0].id}\tgiven up" in listed.stdout and "3 attempts" in listed.stdout
        assert (
            f"webhook http://127.0.0.1:{port}/meldingen\t" in listed.stdout and "geheim" not in listed.stdout
        )
        with deps.store.transaction() as tx:  # one more, waiting for its first attempt
            tx.enqueue([OutboxItem("webhook:later", "webhook", hook, "{}")])
        (waiting,) = [m.id for m in deps.store.outbox_undelivered() if m.failed_at is None]
        everything = outbox_cli(database_url, tmp_path, "list")
        assert f"{waiting}\tnext " in everything.stdout and f"{hooks[0].id}\tgiven up" in everything.stdout

        assert outbox_cli(database_url, tmp_path, "retry").returncode == 2  # ids or --all
        refused = outbox_cli(database_url, tmp_path, "retry", str(waiting))  # not given up: refused
        assert refused.returncode == 2 and str(waiting) in refused.stderr
        again = outbox_cli(database_url, tmp_path, "retry", str(hooks[0].id))
        assert again.returncode == 0 and f"delivering again: {hooks[0].id}" in again.stdout, again.stderr
        assert deps.store.outbox_undelivered(failed_only=True) == []

        server = HTTPServer(("127.0.0.1", port), _Answers)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            await relay.deliver_due()
        finally:
            server.shutdown()
        assert {"decision": "deny"} in [json.loads(b) for b in _Answers.got]
        assert deps.store.outbox_undelivered() == []
        assert "no message was given up" in outbox_cli(database_url, tmp_path, "retry", "--all").stdout
    finally:
        await client.aclose()

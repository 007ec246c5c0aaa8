"""One log format a SIEM can take (issue 29 item 11): with LOG_FORMAT=json every line `up` writes,
its own, uvicorn's and every library's, is one JSON object with time, level, logger, process and
pid; an access line names the request id (the caller's X-Request-Id, or a new one), the client,
method, route template, status and milliseconds; a traceback is a field, not many lines; the
health checks that waited for the process are not logged; no BSN, even from a query string."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import httpx

from tests.conftest import wait_until, wait_until_healthy
from tests.support.factories import VALID_BSN
from tests.system.test_cli import CLI, free_port


def test_up_logs_one_json_object_a_line(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
    env.update(LEDGER_HOME=str(tmp_path / "home"), LEDGER_HTTP_PORT=str(port), LOG_FORMAT="json")
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        up = subprocess.Popen(CLI + ["up", "--dev"], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base)
        asked = httpx.get(
            f"{base}/v1/consents/p1-{'0' * 64}/photo-website",
            params={"bsn": VALID_BSN},
            headers={"X-Request-Id": "balie-0001-abcdef", "Authorization": "Bearer lc.x.y"},
        )
        assert asked.status_code == 401
        assert httpx.get(f"{base}/no/such/route").status_code == 404
        wait_until(lambda: "balie-0001-abcdef" in log.read_text(), what="the access line")
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(60)
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = []
    for line in lines:
        doc = json.loads(line)  # every line: a JSON object
        assert {"time", "level", "logger", "process", "pid", "message"} <= doc.keys(), doc
        assert doc["process"] == "up" and doc["time"].endswith("+00:00")
        records.append(doc)
    loggers = {r["logger"] for r in records}
    assert "uvicorn.error" in loggers and "consent_ledger.access" in loggers  # uvicorn's too
    [access] = [r for r in records if r.get("request_id") == "balie-0001-abcdef"]
    assert access["route"] == "/v1/consents/{subject}/{purpose}" and access["status"] == 401
    assert access["method"] == "GET" and isinstance(access["duration_ms"], float)
    missing = [r for r in records if r.get("route") == "(no route)"]
    assert missing and len(missing[0]["request_id"]) == 32  # one of its own
    assert not [r for r in records if r.get("route") == "/health" and r.get("status") == 200]
    assert VALID_BSN not in log.read_text()

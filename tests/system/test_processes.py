"""The deployment of docs/operations.md, as separate processes on PostgreSQL and Redis: a `consume`
replica appends what producers publish, `serve` answers over HTTP and signs checkpoints, `notifier`
decides phone requests and puts its decisions on the ledger through its outbox. Each started by its
command, as its systemd unit starts it."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from consent_ledger.core.notes import NoteSigner
from ledger_contracts.streams import (
    ACCEPTED_CONSENT_STREAM,
    CONSENT_STREAM,
    DISCLOSURE_STREAM,
    EVENT_STREAMS,
    PHONE_REQUEST_STREAM,
    REQUEST_FIELD,
)

from tests.conftest import REDIS_URL, wait_until
from tests.ledger.adapters.test_redis_users import documented_users
from tests.support.factories import VALID_BSN, disclosure, signed
from tests.support.harness import register_test_producers, settings_for
from tests.system.test_cli import CLI, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(CLI + args, env=env, stdout=out, stderr=subprocess.STDOUT)


def _entries(store, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT body FROM ledger_entry ORDER BY chain, seq")).scalars()
        return [
            e for e in (json.loads(bytes(b)) for b in rows) if e.get("event", {}).get("event_type") == kind
        ]


def test_consume_serve_and_notifier_as_their_own_processes(redis_client, postgres_url, ledger_env, tmp_path):
    api_port, notifier_port, consume_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
    env.update(
        ledger_env,
        LEDGER_DATABASE_URL=postgres_url,
        LEDGER_REDIS_URL=REDIS_URL,
        LEDGER_CHECKPOINT_KEYS=NoteSigner.generate("gemeente.example").private_string(),
        LEDGER_LOG_ORIGIN="gemeente.example",
        LEDGER_CONSUMER__SCREENING_WORKERS="0",
    )
    settings = settings_for(postgres_url, tmp_path)
    from consent_ledger.bootstrap.store import build_store

    store = build_store(settings)  # the schema, and the producers allowed to publish
    from consent_ledger.adapters.sql.producers import SqlProducerStore

    register_test_producers(SqlProducerStore(store.engine))
    # the notifier under its own Redis user, as docs/operations.md gives it (NOTIFIER_REDIS_URL)
    notifier_user = f"notifier-{uuid.uuid4().hex[:8]}"
    redis_client.execute_command("ACL", "SETUSER", notifier_user, *documented_users()["notifier"])
    notifier_env = dict(
        env, NOTIFIER_REDIS_URL=REDIS_URL.replace("redis://", f"redis://{notifier_user}:pw-notifier@")
    )
    procs = [
        _start(["consume", "--metrics-port", str(consume_port)], env, tmp_path / "consume.log"),
        _start(["serve", "--port", str(api_port)], env, tmp_path / "serve.log"),
        _start(["notifier", "--port", str(notifier_port)], notifier_env, tmp_path / "notifier.log"),
    ]
    try:
        api, desk = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{notifier_port}"

        def answers(url: str) -> bool:
            try:
                return httpx.get(url, timeout=2).status_code < 500
            except httpx.HTTPError:
                return False

        wait_until(lambda: answers(f"{api}/health"), timeout=60, what="serve to answer /health")
        wait_until(lambda: answers(f"{desk}/telefoon/login"), timeout=60, what="the notifier's page")
        assert httpx.get(f"{api}/health").json()["status"] == "ok"

        redis_client.xadd(DISCLOSURE_STREAM, signed(disclosure()))
        wait_until(lambda: len(_entries(store, "disclosure.recorded")) == 1, what="consume to append")

        # a phone request to the notifier process: decided (deny: no known person), on the ledger
        request = {
            "request_id": str(uuid.uuid4()),
            "occurred_at": datetime.now(UTC).isoformat(),
            "producer": "telefooncentrale",
            "subject": {"bsn": VALID_BSN},
            "caller_party_id": "werkgever-bouwbedrijf",
            "calling_number": "+31612345678",
            "topic": "werkloosheidsuitkering",
            "data_categories": ["uitkering"],
            "requested_by": "mdw7",
        }
        redis_client.xadd(PHONE_REQUEST_STREAM, {REQUEST_FIELD: json.dumps(request)})
        wait_until(
            lambda: len(_entries(store, "phone.disclosure-decided")) == 1,
            timeout=30,
            what="the notifier's decision, through its outbox and consume, on the ledger",
        )
        # serve signs checkpoints of what consume appended
        wait_until(
            lambda: httpx.get(f"{api}/health").status_code == 200 and _signed(store) >= 1,
            what="a signed checkpoint from serve",
        )
        # the groups: the ledger's on every input stream; the notifier's on the ledger's accepted facts
        assert {g["name"] for g in redis_client.xinfo_groups(CONSENT_STREAM)} == {b"ledger"}
        accepted = {g["name"] for g in redis_client.xinfo_groups(ACCEPTED_CONSENT_STREAM)}
        assert accepted == {b"notifier"}
        # the streams' AsyncAPI document beside the OpenAPI one: every input stream, nothing of this host
        spec = httpx.get(f"{api}/asyncapi.json").json()
        assert spec["asyncapi"] == "3.0.0"
        assert {c["address"] for c in spec["channels"].values()} == set(EVENT_STREAMS)
        assert all(
            m["payload"] == {"$ref": "#/components/schemas/StreamEntry"}
            for m in spec["components"]["messages"].values()
        )
        assert "disclosure.recorded" in json.dumps(spec["components"]["schemas"]["Event"])
        assert "127.0.0.1" not in json.dumps(spec) and "consumerName" not in json.dumps(spec)
        # each process's metrics, for a client token of scope metrics:read only
        from consent_ledger.adapters.sql.clients import SqlClientStore
        from consent_ledger.app.clients import ApiClients

        clients = ApiClients(SqlClientStore(store.engine))
        token = clients.add("prometheus", ["metrics:read"], datetime.now(UTC))
        other = clients.add("nieuwsbrief", ["consent:check"], datetime.now(UTC), ["werkcorporatie"])
        replica = f"http://127.0.0.1:{consume_port}/metrics"
        for url in (replica, f"{desk}/metrics", f"{api}/metrics"):
            assert httpx.get(url).status_code == 401
            assert httpx.get(url, headers={"Authorization": f"Bearer {other}"}).status_code == 403
        scraped = httpx.get(replica, headers={"Authorization": f"Bearer {token}"})
        assert scraped.status_code == 200
        appended = [
            line for line in scraped.text.splitlines() if line.startswith("ledger_events_appended_total")
        ]
        assert appended and float(appended[0].split()[-1]) >= 2  # the disclosure and the decision
        phone = httpx.get(f"{desk}/metrics", headers={"Authorization": f"Bearer {token}"}).text
        assert 'notifier_phone_decisions_total{decision="deny"' in phone
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        redis_client.execute_command("ACL", "DELUSER", notifier_user)
    for name in ("consume", "serve", "notifier"):
        log = (tmp_path / f"{name}.log").read_text()
        assert "Traceback" not in log, f"{name}: {log[-2000:]}"
        assert VALID_BSN not in log


def _signed(store) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM checkpoint")).scalar_one())

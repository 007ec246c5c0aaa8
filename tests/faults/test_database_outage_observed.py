"""A database outage seen from Prometheus (issue 29 items 5 and 10): with its own PostgreSQL stopped
under `consume`, `serve` and `notifier`, each still answers /metrics to the Prometheus token it
confirmed before (so LedgerBatchesFailing can fire; before, every process answered 500 and only
LedgerDown paged, four times), /health and /ready name the database, and all is ready again once
the database is back. Each process started by its command, as its unit starts it."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime

import httpx
from consent_ledger.adapters.sql.clients import SqlClientStore
from consent_ledger.adapters.sql.producers import SqlProducerStore
from consent_ledger.app.clients import ApiClients
from consent_ledger.bootstrap.store import build_store
from consent_ledger.core.notes import NoteSigner
from ledger_contracts.streams import DISCLOSURE_STREAM

from tests.conftest import REDIS_URL, wait_until
from tests.faults.servers import own_postgres
from tests.support.factories import VALID_BSN, disclosure, signed
from tests.support.harness import register_test_producers, settings_for
from tests.system.test_cli import free_port
from tests.system.test_processes import _start

CACHED_FOR = 5.0  # app.clients.ApiClients: a confirmed token is asked of the store again after this


def _batch_failures(text: str) -> float:
    found = re.search(r"^ledger_batch_failures_total (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_every_process_reports_through_a_database_outage(redis_client, ledger_env, tmp_path):
    api_port, notifier_port, consume_port = free_port(), free_port(), free_port()
    with own_postgres() as pg:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
        env.update(
            ledger_env,
            LEDGER_DATABASE_URL=pg.url,
            LEDGER_REDIS_URL=REDIS_URL,
            LEDGER_CHECKPOINT_KEYS=NoteSigner.generate("gemeente.example").private_string(),
            LEDGER_LOG_ORIGIN="gemeente.example",
            LEDGER_CONSUMER__SCREENING_WORKERS="0",
        )
        store = build_store(settings_for(pg.url, tmp_path))
        register_test_producers(SqlProducerStore(store.engine))
        clients = ApiClients(SqlClientStore(store.engine))
        token = clients.add("prometheus", ["metrics:read"], datetime.now(UTC))
        asker = clients.add("nieuwsbrief", ["consent:check"], datetime.now(UTC), ["werkcorporatie"])
        store.dispose()
        procs = [
            _start(["consume", "--metrics-port", str(consume_port)], env, tmp_path / "consume.log"),
            _start(["serve", "--port", str(api_port)], env, tmp_path / "serve.log"),
            _start(["notifier", "--port", str(notifier_port)], env, tmp_path / "notifier.log"),
        ]
        auth = {"Authorization": f"Bearer {token}"}
        base = {
            "consume": f"http://127.0.0.1:{consume_port}",
            "serve": f"http://127.0.0.1:{api_port}",
            "notifier": f"http://127.0.0.1:{notifier_port}",
        }
        try:

            def ready(url: str) -> bool:
                try:
                    return httpx.get(f"{url}/ready", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            for name, url in base.items():
                wait_until(lambda url=url: ready(url), timeout=60, what=f"{name} ready")
                assert httpx.get(f"{url}/metrics", headers=auth).status_code == 200  # the token confirmed
                assert httpx.get(f"{url}/health").json()["database"] == "ok"

            question = {"subject": {"bsn": VALID_BSN}, "purpose": "newsletter-subscription"}
            asks = {"Authorization": f"Bearer {asker}"}
            asked = httpx.post(f"{base['serve']}/v1/consents/query", json=question, headers=asks, timeout=10)
            assert asked.status_code == 200, asked.text  # its token confirmed before the outage

            pg.stop()
            stopped = time.monotonic()
            redis_client.xadd(DISCLOSURE_STREAM, signed(disclosure()))  # a batch that cannot commit
            scraped: dict[str, list[int]] = {name: [] for name in base}

            def failing_batches_seen() -> bool:
                for name, url in base.items():
                    scraped[name].append(httpx.get(f"{url}/metrics", headers=auth, timeout=10).status_code)
                replica = httpx.get(f"{base['consume']}/metrics", headers=auth, timeout=10)
                # past the token cache: the store itself was asked, and did not answer
                return time.monotonic() - stopped > CACHED_FOR + 1 and _batch_failures(replica.text) > 0

            wait_until(failing_batches_seen, timeout=90, what="LedgerBatchesFailing's counter, scraped")
            assert {name: set(codes) for name, codes in scraped.items()} == {name: {200} for name in base}
            for name, url in base.items():
                answer = httpx.get(f"{url}/ready", timeout=10)
                assert answer.status_code == 503, (name, answer.text)
                assert answer.json()["database"].startswith("error: "), (name, answer.json())
                assert answer.json()["broker"] == "ok"
                health = httpx.get(f"{url}/health", timeout=10)
                assert health.json()["database"].startswith("error: "), (name, health.json())
            # a question that reaches the store while it is down: unavailable, named, not a 500
            asked = httpx.post(f"{base['serve']}/v1/consents/query", json=question, headers=asks, timeout=30)
            assert asked.status_code == 503, asked.text
            assert asked.json()["error"] == "database-unavailable"
            # a token never confirmed is not let in on the store's silence
            stranger = {"Authorization": "Bearer lc.stranger.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}
            assert httpx.get(f"{base['consume']}/metrics", headers=stranger, timeout=10).status_code == 503

            pg.start()
            for name, url in base.items():
                wait_until(lambda url=url: ready(url), timeout=60, what=f"{name} ready again")
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)

"""Consent status over HTTP on loopback beside a raw baseline, in one process, as ratios.

single:   p99 of one subject's status, GET /v1/consents/{pseudonym}/{purpose} with a client
          token, over a kept-alive loopback connection to uvicorn in its own process (as deployed;
          the load generator does not share the server's GIL); baseline: the same lookup as a
          bare SQL query (SELECT … FROM consent_state WHERE subject = … AND purpose = …).
bulk:     one POST /v1/consents/bulk of 10,000 subjects (median of several); baseline: the
          store's statement run bare (the rows of those 10,000 that may allow: a grant or a fact
          dated later), without the API, validation or the decision.

    uv run python bench/consent_status.py [--subjects 10000] [--requests 3000] [--sqlite]

The consents are appended through the ledger's real append path (validation, pseudonyms,
hash chain). Needs PostgreSQL (BENCH_POSTGRES_URL, an admin URL used to create a throw-away
database) unless --sqlite. Targets (DESIGN.md): single p99 <= 2 ms; bulk 10,000 <= 50 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consent_ledger.app.ingest import RawEntry  # noqa: E402
from consent_ledger.bootstrap.api import build_api  # noqa: E402
from consent_ledger.bootstrap.ledger import build_ledger  # noqa: E402
from consent_ledger.config import Settings  # noqa: E402
from consent_platform.demo import make_bsn  # noqa: E402
from sqlalchemy import text  # noqa: E402

from tests.support.factories import consent  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PURPOSE = "newsletter-subscription"


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 1 else values[0]


class Loopback:
    """A thin kept-alive HTTP/1.1 client (the standard library's), so the figure is the server's
    and not a client library's; every answer is read whole and checked."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: object = None) -> dict:
        self.conn.request(method, path, json.dumps(body) if body is not None else None, self.headers)
        answer = self.conn.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise SystemExit(f"{method} {path}: {answer.status} {data[:200]!r}")
        return json.loads(data)


def serve(app: object, port: int) -> None:
    """The API in its own process, as in production: the load generator does not share its GIL."""
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)  # type: ignore[arg-type]


def wait_listening(port: int) -> None:
    for _ in range(500):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise SystemExit("the API server did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--sqlite", action="store_true")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-consent-"))
    name = f"bench_{uuid.uuid4().hex[:10]}"
    if args.sqlite:
        db_url = f"sqlite:///{home / 'ledger.db'}"
    else:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        db_url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    try:
        run(args, home, db_url)
    finally:
        if not args.sqlite:
            with psycopg.connect(PG_ADMIN, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def event(i: int, bsn: str) -> dict:
    """Two in three have given consent, one in three has withdrawn it."""
    return consent("given", bsn, PURPOSE, method="web") if i % 3 else consent("withdrawn", bsn, PURPOSE)


def run(args: argparse.Namespace, home: Path, db_url: str) -> None:
    settings = Settings(home=home, database_url=db_url, redis_url="redis://127.0.0.1:6379/10", dev_mode=True)
    ledger = build_ledger(settings, settings.redis_url or "")
    rng = random.Random(1)
    bsns = list(dict.fromkeys(make_bsn(rng) for _ in range(args.subjects * 2)))[: args.subjects]
    for start in range(0, len(bsns), 1000):  # through the real append path, 1,000 per transaction
        batch = [
            RawEntry("bench", f"{start + i}-0", {b"event": json.dumps(event(start + i, bsn)).encode()})
            for i, bsn in enumerate(bsns[start : start + 1000])
        ]
        result = ledger.ingest.handle(batch)
        assert not result.dead_letters, result.dead_letters[:1]
    pseudonyms = [ledger.pseudonyms.pseudonym(b) for b in bsns]
    token = ledger.clients.add("bench", ["consent:check"], datetime.now(UTC), ["werkcorporatie"])
    app = build_api(settings, ledger).app
    port = free_port()
    ledger.store.dispose()  # the server process opens its own connections
    server = multiprocessing.get_context("fork").Process(target=serve, args=(app, port), daemon=True)
    server.start()
    wait_listening(port)

    # --- single status ---------------------------------------------------------------------
    picks = [pseudonyms[rng.randrange(len(pseudonyms))] for _ in range(args.requests)]
    web = Loopback(port, token)
    for s in picks[:200]:  # warm up
        web.call("GET", f"/v1/consents/{s}/{PURPOSE}")
    api: list[float] = []
    for s in picks:
        t = time.perf_counter()
        web.call("GET", f"/v1/consents/{s}/{PURPOSE}")
        api.append(time.perf_counter() - t)
    raw: list[float] = []
    sql = text(
        "SELECT event_type, occurred_at, event_id, valid_until, chain, seq FROM consent_state "
        "WHERE subject = :s AND purpose = :p"
    )
    with ledger.store.engine.connect() as conn:
        for s in picks:
            t = time.perf_counter()
            conn.execute(sql, {"s": s, "p": PURPOSE}).first()
            raw.append(time.perf_counter() - t)

    # --- bulk of 10,000 --------------------------------------------------------------------
    body = {"purpose": PURPOSE, "subjects": pseudonyms[:10_000]}
    bulk: list[float] = []
    for _ in range(12):
        t = time.perf_counter()
        answer = web.call("POST", "/v1/consents/bulk", body)
        bulk.append(time.perf_counter() - t)
    bulk_raw: list[float] = []
    pg = ledger.store.engine.dialect.name == "postgresql"
    among = (
        "subject = ANY(string_to_array(:s, ','))" if pg else "subject IN (SELECT value FROM json_each(:s))"
    )
    bare = text(  # the statement the store runs, bare: rows that may allow (a grant, or dated later)
        "SELECT subject, event_type, occurred_at, event_id, valid_until FROM consent_state "
        "WHERE purpose = :p "
        f"AND (event_type IN ('consent.given', 'consent.renewed') OR occurred_at > :now) AND {among}"
    )
    listed = ",".join(body["subjects"]) if pg else json.dumps(body["subjects"])
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with ledger.store.engine.connect() as conn:
        for _ in range(12):
            t = time.perf_counter()
            conn.execute(bare, {"p": PURPOSE, "s": listed, "now": now}).all()
            bulk_raw.append(time.perf_counter() - t)
    server.terminate()
    server.join()
    allowed = answer["count_allowed"]

    ms = 1000
    db = ledger.store.engine.dialect.name
    print(f"database          {db}, {len(bsns)} subjects, {allowed} of 10,000 mailable")
    print(f"single  raw SQL   p50 {p(raw, 0.5) * ms:6.3f} ms   p99 {p(raw, 0.99) * ms:6.3f} ms")
    print(f"single  HTTP API  p50 {p(api, 0.5) * ms:6.3f} ms   p99 {p(api, 0.99) * ms:6.3f} ms", end="")
    print("   (target p99 <= 2 ms)")
    print(f"single  ratio     {p(api, 0.99) / p(raw, 0.99):6.1f} x the raw lookup at p99")
    print(f"bulk    raw SQL   median {statistics.median(bulk_raw) * ms:7.2f} ms")
    print(
        f"bulk    HTTP API  median {statistics.median(bulk) * ms:7.2f} ms   max {max(bulk) * ms:7.2f} ms",
        end="",
    )
    print("   (target <= 50 ms)")
    print(f"bulk    ratio     {statistics.median(bulk) / statistics.median(bulk_raw):6.1f} x the raw lookup")
    ledger.store.dispose()


if __name__ == "__main__":
    main()

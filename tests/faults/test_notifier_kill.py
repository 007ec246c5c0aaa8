"""Issue 28 item 4: `kill -9` of the notifier in the middle of its batches. The process started
after it claims what the dead one left pending (XAUTOCLAIM), so every phone request is decided and
deleted from its stream and every accepted consent ending gets its notice, once; nothing stays
pending, so the streams can be trimmed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import redis
from consent_ledger.bootstrap.store import build_store
from ledger_contracts.accepted import FACT_FIELD, ConsentEnded
from ledger_contracts.phone_requests import PHONE_REQUEST_STREAM
from ledger_contracts.streams import ACCEPTED_CONSENT_STREAM, NOTIFIER_GROUP, REQUEST_FIELD

from tests.conftest import REDIS_URL, wait_until
from tests.faults.figures import report, scaled
from tests.support.harness import settings_for
from tests.system.test_cli import free_port


def _requests(n: int) -> list[dict[str, str]]:
    return [
        {
            REQUEST_FIELD: json.dumps(
                {
                    "request_id": str(uuid.uuid4()),
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "producer": "telefooncentrale",
                    "subject": {"pseudonym": f"p1-{uuid.uuid4().hex}{uuid.uuid4().hex}"},
                    "caller_party_id": "werkgever-bouwbedrijf",
                    "calling_number": "+31612345678",
                    "topic": "werkloosheidsuitkering",
                    "data_categories": ["uitkering"],
                    "requested_by": "mdw7",
                }
            )
        }
        for _ in range(n)
    ]


def _endings(n: int) -> list[dict[str, str]]:
    return [
        {
            FACT_FIELD: ConsentEnded(
                chain="werkcorporatie",
                seq=i,
                event_id=str(uuid.uuid4()),
                event_type="consent.withdrawn",
                producer="website-team",
                controller="werkcorporatie",
                processing_activity="nieuwsbrief",
                occurred_at=datetime.now(UTC),
                purpose="newsletter-subscription",  # type: ignore[arg-type]
                subject=f"p1-{uuid.uuid4().hex}{uuid.uuid4().hex}",
                recorded_at=datetime.now(UTC).isoformat(),
            ).model_dump_json()
        }
        for i in range(n)
    ]


def _pending(r, stream: str) -> int:  # type: ignore[no-untyped-def]
    """What the notifier's group holds unacknowledged; 0 when the victim died before making it."""
    try:
        return int(r.xpending(stream, NOTIFIER_GROUP)["pending"])
    except redis.exceptions.ResponseError:  # NOGROUP
        return 0


def _read_and_acked(r, stream: str) -> bool:  # type: ignore[no-untyped-def]
    """The notifier's group on `stream` has read its last entry and holds none unacknowledged."""
    group = next(g for g in r.xinfo_groups(stream) if g["name"] == NOTIFIER_GROUP.encode())
    last = r.xinfo_stream(stream)["last-generated-id"]
    return group["pending"] == 0 and group["last-delivered-id"] == last


def _count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    except sqlite3.OperationalError:  # not made yet
        return 0


def test_a_notifier_killed_mid_batch_is_caught_up_by_the_next(
    redis_client, postgres_url, ledger_env, tmp_path
):
    kills, per_round = scaled(2, 5), scaled(300, 1_000)
    r = redis_client
    build_store(settings_for(postgres_url, tmp_path))  # the ledger's schema, for the subject directory
    home = Path(ledger_env["LEDGER_HOME"])
    db = home / "notifier.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
    env.update(
        ledger_env,
        LEDGER_DATABASE_URL=postgres_url,
        LEDGER_REDIS_URL=REDIS_URL,
        LEDGER_CONSUMER__RECLAIM_IDLE_MS="300",
    )

    def notifier() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "consent_platform.cli", "notifier", "--port", str(free_port())],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    requests, endings, killed_mid_batch = 0, 0, 0
    for _ in range(kills):
        pipe = r.pipeline(transaction=False)
        for fields in _requests(per_round):
            pipe.xadd(PHONE_REQUEST_STREAM, fields)
        for fields in _endings(per_round):
            pipe.xadd(ACCEPTED_CONSENT_STREAM, fields)
        pipe.execute()
        requests, endings = requests + per_round, endings + per_round
        before = _count(db, "notifier_phone_request") + _count(db, "notifier_outbox")
        victim = notifier()
        try:
            wait_until(
                lambda: _count(db, "notifier_phone_request") + _count(db, "notifier_outbox") > before,  # noqa: B023
                timeout=60,
                what="the victim deciding",
            )
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
        finally:
            if victim.poll() is None:
                victim.kill()
        pending = sum(_pending(r, s) for s in (PHONE_REQUEST_STREAM, ACCEPTED_CONSENT_STREAM))
        killed_mid_batch += pending > 0

    survivor = notifier()
    try:
        wait_until(
            lambda: _count(db, "notifier_phone_request") == requests,
            timeout=120,
            what="every request decided",
        )
        # every fact read and acknowledged: nothing pending, and nothing the group has not read yet
        # (an entry not yet delivered is not "pending"; waiting on pending alone raced the reader)
        wait_until(
            lambda: all(_read_and_acked(r, s) for s in (PHONE_REQUEST_STREAM, ACCEPTED_CONSENT_STREAM)),
            timeout=120,
            what="every request and fact read and acknowledged",
        )
        wait_until(lambda: r.xlen(PHONE_REQUEST_STREAM) == 0, what="the decided requests deleted")
    finally:
        survivor.terminate()
        survivor.wait(30)
    with sqlite3.connect(db) as conn:
        notices = conn.execute("SELECT count(*) FROM notifier_outbox WHERE key LIKE 'notice:%'").fetchone()[0]
    assert notices == endings  # one notice per ending, none twice
    assert killed_mid_batch >= 1, "no kill found anything pending: the test proved nothing"
    report(
        "notifier kill -9", kills=kills, requests=requests, endings=endings, killed_mid_batch=killed_mid_batch
    )

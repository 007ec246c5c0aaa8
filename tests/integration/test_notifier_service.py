"""The notifier on the broker, under `consent-ledger up`: a phone request published by another
system (e.g. a telephony platform) is decided, and the decision lands on the ledger."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import redis
from ledger_contracts.streams import PHONE_STREAM

from tests.conftest import wait_until
from tests.factories import VALID_BSN


def decisions(env) -> list[dict]:
    with sqlite3.connect(f"{env['LEDGER_HOME']}/ledger.db") as conn:
        rows = conn.execute(
            "SELECT body FROM ledger_entry WHERE CAST(body AS TEXT) LIKE '%phone.disclosure-decided%'"
        )
        return [json.loads(b)["event"] for (b,) in rows]


def test_a_phone_request_from_the_stream_is_decided_and_recorded(up):
    env, _ = up
    r = redis.Redis.from_url(Path(env["LEDGER_HOME"], "redis.url").read_text().strip())
    request = {
        "event_id": "tel-4711.requested",
        "event_type": "phone.disclosure-requested",
        "occurred_at": datetime.now(UTC).isoformat(),
        "producer": "telefooncentrale",
        "controller": "werkkrachtcentrale",
        "processing_activity": "telefonische-inlichtingen",
        "data": {
            "request_id": "tel-4711",
            "subject": {"bsn": VALID_BSN},
            "caller_party_id": "werkgever-bouwbedrijf",
            "calling_number": "+31612345678",
            "topic": "werkloosheidsuitkering",
            "data_categories": ["uitkering"],
            "requested_by": "mdw7",
        },
    }
    r.xadd(PHONE_STREAM, {"event": json.dumps(request)})
    wait_until(lambda: len(decisions(env)) == 1, what="the decision on the ledger")
    (decided,) = decisions(env)
    assert decided["data"]["request_id"] == "telefooncentrale.tel-4711"
    assert (decided["data"]["decision"], decided["data"]["basis"]) == ("deny", "policy")
    assert VALID_BSN not in json.dumps(decided)

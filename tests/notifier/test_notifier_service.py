"""The notifier on the broker, under `consent-ledger up`: a phone request published by another
system (e.g. a telephony platform) is decided, the decision lands on the ledger, and the caller's
number is kept nowhere: not on the chain, not on the request stream once decided."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import redis
from ledger_contracts.phone_requests import PHONE_REQUEST_STREAM
from ledger_contracts.streams import (
    ACCEPTED_CONSENT_STREAM,
    CONSENT_STREAM,
    DISCLOSURE_STREAM,
    PHONE_STREAM,
    REQUEST_FIELD,
)

from tests.conftest import wait_until
from tests.support.factories import VALID_BSN

CALLING = "+31612345678"


def decisions(env) -> list[dict]:
    with sqlite3.connect(f"{env['LEDGER_HOME']}/ledger.db") as conn:
        rows = conn.execute(
            "SELECT body FROM ledger_entry WHERE CAST(body AS TEXT) LIKE '%phone.disclosure-decided%'"
        )
        return [json.loads(b)["event"] for (b,) in rows]


def test_a_phone_request_from_the_stream_is_decided_and_its_number_is_not_kept(up):
    env, _ = up
    r = redis.Redis.from_url(Path(env["LEDGER_HOME"], "redis.url").read_text().strip())
    request_id = str(uuid.uuid4())
    request = {
        "request_id": request_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "producer": "telefooncentrale",
        "subject": {"bsn": VALID_BSN},
        "caller_party_id": "werkgever-bouwbedrijf",
        "calling_number": CALLING,
        "topic": "werkloosheidsuitkering",
        "data_categories": ["uitkering"],
        "requested_by": "mdw7",
    }
    r.xadd(PHONE_REQUEST_STREAM, {REQUEST_FIELD: json.dumps(request)})
    r.xadd(PHONE_REQUEST_STREAM, {REQUEST_FIELD: '{"calling_number": "+31612345678"}'})  # unreadable
    wait_until(lambda: len(decisions(env)) == 1, what="the decision on the ledger")
    (decided,) = decisions(env)
    assert decided["data"]["request_id"] == request_id
    assert (decided["data"]["decision"], decided["data"]["basis"]) == ("deny", "policy")
    wait_until(lambda: r.xlen(PHONE_REQUEST_STREAM) == 0, what="the decided requests deleted")
    with sqlite3.connect(f"{env['LEDGER_HOME']}/ledger.db") as conn:
        bodies = b"".join(bytes(b) for (b,) in conn.execute("SELECT body FROM ledger_entry"))
    assert VALID_BSN.encode() not in bodies and CALLING.encode() not in bodies
    assert CALLING[3:].encode() not in bodies  # nor the national form's digits
    phone = b"".join(v for _, f in r.xrange(PHONE_STREAM) for v in f.values())
    assert CALLING[3:].encode() not in phone
    # only groups that are read: the notifier reads phone requests and the ledger's accepted consent
    # endings, never a producer's raw stream
    assert [g["name"] for g in r.xinfo_groups(DISCLOSURE_STREAM)] == [b"ledger"]
    assert [g["name"] for g in r.xinfo_groups(CONSENT_STREAM)] == [b"ledger"]
    assert [g["name"] for g in r.xinfo_groups(ACCEPTED_CONSENT_STREAM)] == [b"notifier"]

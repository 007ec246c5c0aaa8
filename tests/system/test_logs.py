"""What `consent-ledger up` logs holds no BSN and no phone number: requests are logged by route
template, refusals by reason, and the masking filter is the second line."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import redis
from ledger_contracts.phone_requests import PHONE_REQUEST_STREAM
from ledger_contracts.streams import DISCLOSURE_STREAM, REQUEST_FIELD

from tests.conftest import wait_until
from tests.support.factories import VALID_BSN, disclosure
from tests.system.test_cli import run

NUMBER = "+31612345678"


def test_no_bsn_or_number_in_the_log_of_up(up):
    env, base = up
    r = redis.Redis.from_url(Path(env["LEDGER_HOME"], "redis.url").read_text().strip())
    desk = run(
        ["clients", "add", "balie", "--scope", "subject:access", "--controller", "werkcorporatie"], env
    )
    assert desk.returncode == 0, desk.stderr
    with httpx.Client(base_url=base, timeout=60) as http:
        # the desk asks for a resident's access report: served by `up`, recorded, logged by client
        report = http.post(
            "/v1/subjects/access-report",
            json={"subject": {"bsn": VALID_BSN}, "controller": "werkcorporatie", "employee": "medewerker-17"},
            headers={"Authorization": f"Bearer {desk.stdout.strip()}", "Accept": "application/pdf"},
        )
        assert report.status_code == 200, report.text
        assert (
            report.content.startswith(b"%PDF-")
            and "werkcorporatie=" in report.headers["ledger-complete-up-to"]
        )
        # a BSN in a URL is refused, in the path and in the query string
        assert http.get(f"/v1/consents/{VALID_BSN}/photo-website").status_code in (400, 401)
        http.get(f"/v1/consents/p1-{'0' * 64}/photo-website", params={"bsn": VALID_BSN, "tel": NUMBER})
        http.get(f"/telefoon/api/v1/phone-requests/{VALID_BSN}", params={"calling_number": NUMBER})
        http.get(f"/no/such/route/{VALID_BSN}")
    # a refused event, and a phone request the notifier cannot read
    r.xadd(DISCLOSURE_STREAM, {"event": json.dumps({**disclosure(), "event_id": VALID_BSN})})
    r.xadd(PHONE_REQUEST_STREAM, {REQUEST_FIELD: json.dumps({"request_id": str(uuid.uuid4()), "x": NUMBER})})
    wait_until(lambda: r.xlen("ledger.dead-letter") >= 1, what="the dead letter")
    wait_until(lambda: r.xlen(PHONE_REQUEST_STREAM) == 0, what="the phone request deleted")

    def logged() -> str:
        return Path(env["UP_LOG"]).read_text(encoding="utf-8", errors="replace")

    wait_until(lambda: "/no/such/route" not in logged() and "(no route)" in logged(), what="the access log")
    text = logged()
    assert "/v1/consents/{subject}/{purpose}" in text  # requests are logged by their route template
    assert "GET /health 200" not in text  # the health checks that waited for `up`: not every one logged
    assert "client balie used subject:access: POST /v1/subjects/access-report" in text
    assert VALID_BSN not in text
    assert NUMBER not in text and NUMBER[3:] not in text

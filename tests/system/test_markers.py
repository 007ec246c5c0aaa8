"""The marker test (docs/privacy.md): a marked BSN, a marked name and a marked telephone number are
put in every string field a producer controls, where the contract allows it; where it refuses, the
refusal is the result. After ingest, dead-lettering, deleting decided phone requests and trimming,
the markers are nowhere in the clear: not in the database (file or pg_dump), not in any Redis key,
not on the dead-letter stream, not in the log of `up`. Run on SQLite and on PostgreSQL, with `up`
outside development mode (producers registered and signing)."""

from __future__ import annotations

import json
import random
import re
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis
from consent_ledger.core.notes import NoteSigner
from consent_platform.demo import make_bsn
from ledger_contracts.phone_requests import PHONE_REQUEST_STREAM
from ledger_contracts.streams import (
    CONSENT_STREAM,
    DEAD_LETTER_STREAM,
    DISCLOSURE_STREAM,
    EVENT_STREAMS,
    REQUEST_FIELD,
)

from tests.conftest import (
    ENCRYPTION_KEY,
    PSEUDONYM_KEY,
    REDIS_URL,
    metrics_reader,
    wait_until,
    wait_until_healthy,
)
from tests.support.factories import PRODUCER_SIGNER, TEST_PRODUCERS, consent, disclosure, signed
from tests.system.test_cli import CLI, free_port

BSN = make_bsn(random.Random("marker"))  # a valid BSN used nowhere else
NAME = "Zwaantje Markeerstra"
PHONE = "+31687654321"
# the BSN as people write it: dashed, spaced, dotted, split by letters (issue 28 item 18)
FORMS = [
    f"{BSN[:3]}-{BSN[3:6]}-{BSN[6:]}",
    f"{BSN[:3]} {BSN[3:6]} {BSN[6:]}",
    f"{BSN[:3]}.{BSN[3:6]}.{BSN[6:]}",
    "x".join(BSN),
]
MARKERS = [
    BSN.encode(),
    NAME.encode(),
    PHONE.encode(),
    PHONE[3:].encode(),
    b"Markeerstra",
    *(f.encode() for f in FORMS),
]


def _marked_text() -> str:
    return f"{NAME} (BSN {BSN}, tel {PHONE}) heeft rugklachten"


def _events() -> list[tuple[str, dict | str]]:
    """(stream, body) as careless and hostile producers send them."""
    good = disclosure(bsn=BSN)
    good["data"]["details"] = _marked_text()
    good["data"]["recipient"]["name"] = NAME
    out = [(DISCLOSURE_STREAM, good)]
    for field, value in (
        ("event_id", BSN),
        ("event_id", f"bsn-{BSN}"),
        ("processing_activity", NAME),
        ("controller", BSN),
        ("producer", f"{NAME}"),
    ):
        out.append((DISCLOSURE_STREAM, {**disclosure(bsn=BSN), field: value}))
    for field, value in (
        ("purpose", _marked_text()),
        ("disclosed_by", BSN),
        ("disclosed_by", NAME),
        ("legal_basis", {"gdpr_article_6_1": "c", "statute": _marked_text()}),
        ("legal_basis", {"gdpr_article_6_1": "c", "statute": {"law": "wet-suwi", "article": BSN}}),
        ("recipient", {"party_id": f"jobcoach-{BSN}", "category": "jobcoach", "name": NAME}),
        ("subject", {"bsn": BSN, "name": NAME}),
        ("data_categories", [BSN]),
        ("channel", PHONE),
    ):
        body = disclosure(bsn=BSN)
        body["data"][field] = value
        out.append((DISCLOSURE_STREAM, body))
    out.append((CONSENT_STREAM, consent("given", BSN, evidence_ref=f"scan {NAME} {BSN}.pdf", method="web")))
    out.append((CONSENT_STREAM, consent("given", BSN, notice_version=f"formulier-{BSN}", method="web")))
    out.append(
        (
            CONSENT_STREAM,
            consent("withdrawn", BSN, "photo-website", "2026-05-01T10:00:00+02:00", reason=_marked_text()),
        )
    )
    out.append((CONSENT_STREAM, consent("withdrawn", BSN, form_sha256=BSN)))
    # the BSN written as JSON escapes decodes to plain digits, which the format refuses
    escaped = "bsn" + "".join(f"\\u{ord(c):04x}" for c in BSN)
    for stream, body in (
        (DISCLOSURE_STREAM, disclosure(bsn=BSN)),
        (CONSENT_STREAM, consent("given", BSN, method="web")),
    ):
        field = "disclosed_by" if stream == DISCLOSURE_STREAM else "notice_version"
        body["data"][field] = "ESCAPED"
        out.append((stream, json.dumps(body).replace("ESCAPED", escaped)))
    # a trace id is 32 hexadecimal digits: room for a BSN or a number; it is sealed, never clear
    for digits in (BSN, PHONE[3:]):
        out.append(
            (DISCLOSURE_STREAM, {**disclosure(bsn=BSN), "traceparent": f"00-{digits:0<32}-{'1' * 16}-01"})
        )
    for form in FORMS:  # clear fields whose format must hold no BSN however it is written
        for value in (f"bsn{form}", f"mdw-{form}".replace(" ", "-")):
            body = disclosure(bsn=BSN)
            body["data"]["disclosed_by"] = value
            out.append((DISCLOSURE_STREAM, body))
            out.append((CONSENT_STREAM, consent("given", BSN, notice_version=value, method="web")))
    return out


def _redis_dump(r: redis.Redis) -> bytes:
    parts = []
    for key in r.scan_iter(count=1000):
        kind = r.type(key)
        parts.append(key)
        if kind == b"stream":
            parts.append(repr(r.xrange(key)).encode())
        elif kind == b"string":
            parts.append(r.get(key) or b"")
        elif kind == b"hash":
            parts.append(repr(r.hgetall(key)).encode())
        else:
            parts.append(repr(r.dump(key)).encode())
    return b"\n".join(parts)


def _database_dump(database_url: str) -> bytes:
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    return subprocess.run(
        ["pg_dump", "--data-only", database_url.replace("postgresql://", "postgresql://", 1)],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout


@pytest.fixture
def ledger_up(database_url, redis_client, tmp_path):
    home = tmp_path / "home"
    port = free_port()
    origin = "markers.example"
    env = {
        "PATH": "/usr/bin:/bin",
        "LEDGER_HOME": str(home),
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_REDIS_URL": REDIS_URL,
        "LEDGER_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "LEDGER_ENCRYPTION_KEY": ENCRYPTION_KEY,
        "LEDGER_LOG_ORIGIN": origin,
        "LEDGER_CHECKPOINT_KEYS": NoteSigner.generate(origin).private_string(),
        "LEDGER_HTTP_PORT": str(port),
    }
    log = open(tmp_path / "up.log", "wb")  # noqa: SIM115 - closed after the process
    proc = subprocess.Popen(CLI + ["up"], env=env, stdout=log, stderr=subprocess.STDOUT)

    try:
        wait_until_healthy(f"http://127.0.0.1:{port}")
        for producer in TEST_PRODUCERS:
            added = subprocess.run(
                CLI
                + [
                    "producers",
                    "add",
                    producer,
                    "--type",
                    "*",
                    "--controller",
                    "*",
                    "--public-key",
                    PRODUCER_SIGNER.public_text(),
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert added.returncode == 0, added.stderr
        yield env, f"http://127.0.0.1:{port}", tmp_path / "up.log"
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def test_markers_are_nowhere_in_the_clear(ledger_up, redis_client, database_url):
    env, base, log = ledger_up
    r = redis_client
    events = _events()
    for stream, body in events:
        r.xadd(stream, signed(body))
    r.xadd(CONSENT_STREAM, {"event": json.dumps(consent("given", BSN, method="web"))})  # unsigned
    r.xadd(
        PHONE_REQUEST_STREAM,
        {
            REQUEST_FIELD: json.dumps(
                {
                    "request_id": str(uuid.uuid4()),
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "producer": "telefooncentrale",
                    "subject": {"bsn": BSN},
                    "caller_party_id": "uwv",
                    "calling_number": PHONE,
                    "given_number": PHONE,
                    "topic": "werkloosheidsuitkering",
                    "data_categories": ["uitkering"],
                    "requested_by": "mdw7",
                }
            )
        },
    )
    with httpx.Client(base_url=base) as http:
        http.get(f"/v1/consents/{BSN}/photo-website", params={"name": NAME, "tel": PHONE})

    # the marked disclosure, the consent with its evidence, the withdrawal with its reason, and the
    # two disclosures with digits in their trace ids
    accepted = 5
    refused = len(events) - accepted + 1  # and the unsigned one

    read_metrics = metrics_reader(env, base)

    def appended() -> float:
        metrics = read_metrics()
        found = re.search(r"^ledger_events_appended_total (\S+)$", metrics, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    wait_until(lambda: r.xlen(DEAD_LETTER_STREAM) >= refused, what="the refusals dead-lettered")
    wait_until(lambda: r.xlen(PHONE_REQUEST_STREAM) == 0, what="the phone request decided and deleted")
    wait_until(lambda: appended() >= accepted + 2, what="the accepted events and the phone decision")
    wait_until(
        lambda: all(r.xlen(s) == 0 for s in EVENT_STREAMS), timeout=60, what="the input streams trimmed"
    )
    assert r.xlen(DEAD_LETTER_STREAM) == refused

    exported = subprocess.run(
        CLI + ["export", "--out", str(log.parent / "export.jsonl")], env=env, capture_output=True, timeout=120
    )
    assert exported.returncode == 0, exported.stderr
    places = {
        "export": (log.parent / "export.jsonl").read_bytes(),
        "database": _database_dump(database_url),
        "notifier database": b"".join(p.read_bytes() for p in Path(env["LEDGER_HOME"]).glob("notifier.db*")),
        "redis": _redis_dump(r),
        "log of up": log.read_bytes(),
    }
    # pg_dump writes bytea columns (the entry bodies) as hex: look for the markers in hex as well
    found = {
        place: [m.decode() for m in MARKERS if m in data or m.hex().encode() in data]
        for place, data in places.items()
    }
    assert found == {place: [] for place in places}, "personal data in the clear"
    dump = places["database"]
    assert b"sealed" in dump or b"sealed".hex().encode() in dump  # the marked text is there, sealed
    assert b"disclosure.recorded" in dump or b"disclosure.recorded".hex().encode() in dump

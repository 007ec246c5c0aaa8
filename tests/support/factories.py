"""Event bodies for tests, as a producer in any language would send them (plain dicts)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from ledger_contracts.signing import ProducerSigner

VALID_BSN = "111222333"  # passes the elfproef
OTHER_BSN = "123456782"  # passes the elfproef
INVALID_BSN = "123456789"  # fails the elfproef


# The producers the tests publish as, all with one key (registered by tests/support/harness.py).
PRODUCER_SIGNER = ProducerSigner.from_seed(bytes(range(32)))
TEST_PRODUCERS = ("gemeente-noordoostpolder.participatie", "website-team")


def signed(body: dict[str, Any] | bytes | str) -> dict[str, str | bytes]:
    """The stream entry's fields for an event, signed as its producer would sign it."""
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    try:
        return {"event": raw, "sig": PRODUCER_SIGNER.sign(raw)}
    except ValueError:  # not JSON at all: nothing to sign
        return {"event": raw}


def eid(name: str) -> str:
    """A readable test name as the UUID event id the contract asks; the same name, the same id."""
    try:
        return str(uuid.UUID(name))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:test-event:{name}"))


def disclosure(bsn: str = VALID_BSN, event_id: str | None = None, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": eid(event_id) if event_id else str(uuid.uuid4()),
        "event_type": "disclosure.recorded",
        "schema_version": 2,
        "occurred_at": "2026-03-01T09:30:00+01:00",
        "producer": "gemeente-noordoostpolder.participatie",
        "controller": "werkcorporatie",
        "processing_activity": "re-integratietraject",
        "data": {
            "subject": {"bsn": bsn},
            "recipient": {"party_id": "uwv", "category": "uwv", "name": "UWV"},
            "data_categories": ["naw", "bsn", "gezondheid"],
            "channel": "suwinet",
            "purpose": "participatie",
            "legal_basis": {"gdpr_article_6_1": "c", "statute": {"law": "wet-suwi", "article": "54"}},
            "disclosed_by": "medewerker-17",
            "details": "Voortgangsrapportage traject",
        },
    }
    body.update(over)
    return body


def consent(
    kind: str = "given",
    bsn: str = VALID_BSN,
    purpose: str = "photo-website",
    occurred_at: str = "2026-03-01T09:30:00+01:00",
    event_id: str | None = None,
    **data_over: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {"subject": {"bsn": bsn}, "purpose": purpose}
    if kind in ("given", "refused"):
        data.update(method="paper-form", notice_version="toestemmingsformulier-foto-2026")
    data.update(data_over)
    return {
        "event_id": eid(event_id) if event_id else str(uuid.uuid4()),
        "event_type": f"consent.{kind}",
        "occurred_at": occurred_at,
        "producer": "website-team",
        "controller": "werkcorporatie",
        "processing_activity": "website-en-social-media",
        "data": data,
    }


def publish_disclosures(r: Any, n: int) -> list[str]:
    """Publish `n` signed disclosures on one pipeline (`r`: a redis-py client); their event ids."""
    from ledger_contracts.streams import DISCLOSURE_STREAM

    bodies = [disclosure() for _ in range(n)]
    pipe = r.pipeline(transaction=False)
    for body in bodies:
        pipe.xadd(DISCLOSURE_STREAM, signed(body))
    pipe.execute()
    return [b["event_id"] for b in bodies]

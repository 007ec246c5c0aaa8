"""Issue 28 items 2 and 3, outside development mode with the notifier beside the ledger: a consent
ending is noticed only when the ledger accepted it (signed by a registered producer allowed to
publish it), and only to the recipients of the controller it was given to."""

from __future__ import annotations

import json

from ledger_contracts.signing import ProducerSigner
from ledger_contracts.streams import ACCEPTED_CONSENT_STREAM, CONSENT_STREAM, DEAD_LETTER_STREAM
from sqlalchemy import create_engine, inspect, text

from tests.conftest import wait_until
from tests.support.factories import OTHER_BSN, VALID_BSN, consent, signed
from tests.system.test_markers import ledger_up  # noqa: F401 - the fixture

NEWS = "newsletter-subscription"


def _events(database_url: str, event_type: str) -> list[dict]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            bodies = [bytes(b) for (b,) in conn.execute(text("SELECT body FROM ledger_entry"))]
    finally:
        engine.dispose()
    events = [json.loads(b)["event"] for b in bodies]
    return [e for e in events if e.get("event_type") == event_type]


COMSI = "ledger.notices.comsi"


def _rows_outside_dead_letters(database_url: str) -> str:
    """Every row of every table but the dead letters, as text (entry bodies decoded)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = [t for t in inspect(engine).get_table_names() if t != "dead_letter"]
            rows = [row for t in tables for row in conn.execute(text(f'SELECT * FROM "{t}"'))]
    finally:
        engine.dispose()
    return "\n".join(
        repr([bytes(v).decode("utf-8", "replace") if isinstance(v, bytes | memoryview) else v for v in r])
        for r in rows
    )


def _kept_dead_letters(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return "\n".join(conn.execute(text("SELECT fields FROM dead_letter")).scalars())
    finally:
        engine.dispose()


def test_only_a_withdrawal_the_ledger_accepted_is_noticed_and_only_to_its_controller(
    ledger_up,  # noqa: F811
    redis_client,
    database_url,
):
    env, _, _ = ledger_up
    r = redis_client
    when = "2026-04-01T10:00:00+02:00"
    unsigned = consent("withdrawn", VALID_BSN, NEWS, when, "forged-unsigned")
    wrong_key = consent("withdrawn", VALID_BSN, NEWS, when, "forged-wrong-key")
    unknown = {**consent("withdrawn", VALID_BSN, NEWS, when, "forged-unknown"), "producer": "onbekend"}
    elsewhere = {
        **consent("withdrawn", OTHER_BSN, NEWS, when, "wkc-withdrawn"),
        "controller": "werkkrachtcentrale",
    }
    genuine = consent("withdrawn", VALID_BSN, NEWS, when, "genuine-withdrawn")

    r.xadd(CONSENT_STREAM, {"event": json.dumps(unsigned)})
    raw = json.dumps(wrong_key)
    r.xadd(CONSENT_STREAM, {"event": raw, "sig": ProducerSigner.generate().sign(raw)})
    r.xadd(CONSENT_STREAM, signed(unknown))
    r.xadd(CONSENT_STREAM, signed(elsewhere))  # accepted, at werkkrachtcentrale: no recipients there
    r.xadd(CONSENT_STREAM, signed(genuine))  # last: once it is noticed, the others were handled

    wait_until(lambda: r.xlen(COMSI) >= 1, timeout=30, what="the genuine withdrawal's notice to Comsi")
    notices = [json.loads(f[b"event"])["data"] for _, f in r.xrange(COMSI)]
    assert [n["consent_event_id"] for n in notices] == [genuine["event_id"]]
    refused = r.xlen(DEAD_LETTER_STREAM)
    assert refused == 3  # the three forgeries, each dead-lettered
    # the ledger accepted two endings and the notifier read both facts, acting on werkcorporatie's only
    wait_until(
        lambda: len(_events(database_url, "consent.recipient-notified")) == 1, what="the notice recorded"
    )
    # a forgery is a dead letter (kept in the database since issue 29 item 7) and nothing else
    elsewhere_rows = _rows_outside_dead_letters(database_url)
    kept = _kept_dead_letters(database_url)
    for forged in (unsigned, wrong_key, unknown):
        assert forged["event_id"] not in elsewhere_rows
        assert forged["event_id"] in kept
    [record] = _events(database_url, "consent.recipient-notified")
    assert record["data"]["consent_event_id"] == genuine["event_id"]
    assert sorted(e["event_id"] for e in _events(database_url, "consent.withdrawn")) == sorted(
        [genuine["event_id"], elsewhere["event_id"]]
    )
    assert not [k for k in r.scan_iter("ledger.notices.*") if k != COMSI.encode()]
    groups = {g["name"]: g for g in r.xinfo_groups(ACCEPTED_CONSENT_STREAM)}
    assert groups[b"notifier"]["pending"] == 0

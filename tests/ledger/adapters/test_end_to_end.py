"""End to end on a real Redis, on SQLite and PostgreSQL: raw XADD in, hashed entries out."""

from __future__ import annotations

import json

from consent_ledger.core.verify import verify_chain
from ledger_contracts import LedgerPublisher, Refusal
from ledger_contracts.events import EVENT_ADAPTER
from ledger_contracts.streams import (
    CONSENT_STREAM,
    DEAD_LETTER_STREAM,
    DISCLOSURE_STREAM,
    LEDGER_GROUP,
    MAX_EVENT_BYTES,
)
from sqlalchemy import text

from tests.support.factories import (
    INVALID_BSN,
    OTHER_BSN,
    PRODUCER_SIGNER,
    VALID_BSN,
    consent,
    disclosure,
    signed,
)
from tests.support.harness import eventually, running_ledger, settings_for


def xadd(r, stream, body) -> None:
    r.xadd(stream, signed(body))


def dead_letters(r) -> list[dict[str, str]]:
    return [{k.decode(): v.decode() for k, v in f.items()} for _, f in r.xrange(DEAD_LETTER_STREAM)]


async def test_good_events_are_appended_and_bad_ones_dead_lettered(redis_client, database_url, tmp_path):
    r = redis_client
    good = [disclosure(), disclosure(bsn=OTHER_BSN), consent()]
    bad = {
        Refusal.INVALID_BSN: disclosure(bsn=INVALID_BSN),
        Refusal.VALIDATION_FAILED: {k: v for k, v in disclosure().items() if k != "controller"},
        "wrong type": disclosure(data={**disclosure()["data"], "data_categories": "naw"}),
        Refusal.UNKNOWN_EVENT_TYPE: disclosure(event_type="disclosure.forgotten"),
        Refusal.OVERSIZED: disclosure(data={**disclosure()["data"], "details": "x" * MAX_EVENT_BYTES}),
        Refusal.NOT_JSON: b"{not json",
    }
    # interleave: good, bad, good, bad, ...
    xadd(r, DISCLOSURE_STREAM, good[0])
    for body in bad.values():
        xadd(r, DISCLOSURE_STREAM, body)
    xadd(r, DISCLOSURE_STREAM, good[1])
    xadd(r, CONSENT_STREAM, good[2])
    r.xadd(DISCLOSURE_STREAM, {"something": "else"})  # no `event` field at all

    async with running_ledger(settings_for(database_url, tmp_path)) as ledger:
        await eventually(lambda: ledger.store.count_entries() == 3, what="3 entries")
        await eventually(lambda: len(dead_letters(r)) == 7, what="7 dead letters")
        await eventually(
            lambda: r.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"] == 0, what="all acked"
        )

        reasons = sorted(d["reason"] for d in dead_letters(r))
        assert reasons == sorted(
            [
                "invalid_bsn",
                "validation_failed",
                "validation_failed",
                "unknown_event_type",
                "oversized",
                "not_json",
                "missing_event_field",
            ]
        )
        assert all(d["source_stream"] == DISCLOSURE_STREAM and d["source_id"] for d in dead_letters(r))
        assert INVALID_BSN not in json.dumps(dead_letters(r))
        [report] = [
            verify_chain(h.chain, ledger.store.iter_entries(h.chain), h.length) for h in ledger.store.heads()
        ]
        assert report.length == 3
        metrics = ledger.metrics.registry
        # counted just after the commit that made the entries visible
        await eventually(lambda: metrics.get_sample_value("ledger_events_appended_total") == 3)
        dead = ("ledger_events_dead_lettered_total", {"reason": "invalid_bsn"})
        await eventually(lambda: metrics.get_sample_value(*dead) == 1)

        with ledger.store.engine.connect() as conn:
            dump = "\n".join(
                repr(row)
                for table in ("ledger_entry", "event_index", "consent_state", "subject_key", "chain_head")
                for row in conn.execute(text(f"SELECT * FROM {table}"))
            )
        assert VALID_BSN not in dump and OTHER_BSN not in dump, "a raw BSN reached the database"
        assert "Voortgangsrapportage" not in dump, "personal details must be stored sealed"


async def test_redelivery_makes_no_second_entry_and_a_conflict_is_recorded(
    redis_client, database_url, tmp_path
):
    r = redis_client
    first = disclosure(event_id="evt-0001")
    changed = disclosure(event_id="evt-0001", data={**first["data"], "channel": "post"})
    async with running_ledger(settings_for(database_url, tmp_path)) as ledger:
        publisher = LedgerPublisher(r, PRODUCER_SIGNER)
        publisher.publish(EVENT_ADAPTER.validate_json(json.dumps(first)))
        publisher.publish(EVENT_ADAPTER.validate_json(json.dumps(first)))  # producer retried
        xadd(r, DISCLOSURE_STREAM, first)  # and once more, raw
        await eventually(
            lambda: ledger.metrics.registry.get_sample_value("ledger_events_duplicate_total") == 2
        )
        assert ledger.store.count_entries() == 1
        xadd(r, DISCLOSURE_STREAM, changed)
        xadd(r, DISCLOSURE_STREAM, changed)  # the conflicting event redelivered: one conflict entry
        await eventually(lambda: ledger.store.count_entries() == 2, what="conflict entry")
        await eventually(
            lambda: ledger.metrics.registry.get_sample_value("ledger_events_duplicate_total") == 3
        )
        assert ledger.metrics.registry.get_sample_value("ledger_events_conflict_total") == 1
        entries = list(ledger.store.iter_entries("werkcorporatie"))
        conflict = json.loads(entries[1].body)
        assert conflict["kind"] == "conflict"
        assert conflict["event"]["data"]["channel"] == "post"
        original = json.loads(entries[0].body)
        assert conflict["event"]["event_id"] == original["event"]["event_id"]  # names what it conflicts with
        assert "content_mac" not in conflict and "content_mac" not in original  # kept off the chain

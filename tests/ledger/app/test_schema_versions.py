"""Entries recorded under event schema 1 stay readable beside schema-2 entries: the chain verifies,
the consent history reads both, the state follows event time across them."""

from __future__ import annotations

from datetime import UTC, datetime

from consent_ledger.app.ports import IndexRow
from consent_ledger.core.entries import append_records
from consent_ledger.core.merkle import Frontier, leaf_of
from consent_ledger.core.verify import verify_chain
from ledger_contracts.streams import CONSENT_STREAM

from tests.support.factories import VALID_BSN, consent, signed
from tests.support.harness import eventually, running_ledger, settings_for

NEWS = "newsletter-subscription"


async def test_a_schema_1_entry_reads_beside_schema_2(redis_client, database_url, tmp_path):
    async with running_ledger(settings_for(database_url, tmp_path)) as ledger:
        pseudonym = ledger.pseudonyms.pseudonym(VALID_BSN)
        v1_event = {  # as the ledger wrote it before event schema 2
            "event_id": "website-2025-0001",
            "event_type": "consent.given",
            "schema_version": 1,
            "occurred_at": "2025-12-01T09:00:00Z",
            "producer": "website-team",
            "controller": "werkcorporatie",
            "processing_activity": "nieuwsbrief",
            "data": {
                "subject": {"pseudonym": pseudonym},
                "purpose": NEWS,
                "expressed_by": "self",
                "method": "web",
                "notice_version": "privacyverklaring-2025",
            },
        }
        record = {"event": v1_event, "content_mac": "ab" * 32}
        with ledger.store.transaction() as tx:
            head = tx.lock_heads(["werkcorporatie"])["werkcorporatie"]
            [entry], after = append_records(head, [("event", record)], datetime(2025, 12, 1, tzinfo=UTC))
            tree, nodes = Frontier(head.length, head.frontier).extend([leaf_of(entry.body)])
            after = type(after)(after.chain, after.length, after.head_hash, tree.peaks)
            index = [IndexRow(v1_event["event_id"], "ab" * 32, entry.chain, entry.seq, "event")]
            tx.write([entry], index, [after], {}, {}, [(entry.chain, k, h) for k, h in nodes], [pseudonym])

        redis_client.xadd(
            CONSENT_STREAM, signed(consent("withdrawn", VALID_BSN, NEWS, "2026-02-01T09:00:00Z"))
        )
        await eventually(lambda: ledger.store.count_entries() == 2, what="the schema-2 withdrawal")

        [h] = ledger.store.heads()
        assert verify_chain(h.chain, ledger.store.iter_entries(h.chain), h.length).length == 2
        history = ledger.store.consent_history(pseudonym, "werkcorporatie")
        assert [e.event["schema_version"] for e in history] == [1, 2]
        assert [e.event["event_type"] for e in history] == ["consent.given", "consent.withdrawn"]
        assert history[1].event["data"]["subject"].keys() == {"ref"}  # schema 2: no pseudonym in the body
        fact = ledger.store.consent_fact(pseudonym, NEWS, "werkcorporatie")
        assert fact is not None and fact[0].event_type == "consent.withdrawn"

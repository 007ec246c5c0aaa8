"""Each kind of damage is detected and named, on the pure verifier."""

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from consent_ledger.core.entries import ChainHead, append_records
from consent_ledger.core.hashing import entry_hash
from consent_ledger.core.verify import Damage, IntegrityError, StoredEntry, verify_chain

CHAIN = "werkcorporatie"


def build(n: int = 8) -> list[StoredEntry]:
    records = [("event", {"event": {"event_id": f"e{i}", "note": f"entry {i}"}}) for i in range(n)]
    entries, _ = append_records(ChainHead.genesis(CHAIN), records, datetime(2026, 3, 1, tzinfo=UTC))
    return [StoredEntry(e.body, e.entry_hash) for e in entries]


def damage_of(entries, expected_length=None) -> IntegrityError:
    with pytest.raises(IntegrityError) as info:
        verify_chain(CHAIN, entries, expected_length)
    return info.value


def test_intact_chain_verifies():
    report = verify_chain(CHAIN, build(), expected_length=8)
    assert report.length == 8


def test_payload_changed_is_named():
    entries = build()
    doc = json.loads(entries[3].body)
    doc["event"]["note"] = "rewritten"
    entries[3] = dataclasses.replace(entries[3], body=json.dumps(doc).encode())
    err = damage_of(entries)
    assert (err.position, err.damage) == (3, Damage.PAYLOAD_CHANGED)


def test_hash_field_edited_is_named():
    entries = build()
    entries[4] = dataclasses.replace(entries[4], entry_hash=bytes(32))
    err = damage_of(entries)
    assert (err.position, err.damage) == (4, Damage.HASH_EDITED)


def test_entry_deleted_is_named():
    entries = build()
    del entries[5]
    err = damage_of(entries)
    assert (err.position, err.damage) == (5, Damage.ENTRY_DELETED)


def test_tail_deleted_is_named_against_the_head():
    err = damage_of(build()[:6], expected_length=8)
    assert (err.position, err.damage) == (6, Damage.ENTRY_DELETED)


def test_entries_reordered_is_named():
    entries = build()
    entries[2], entries[3] = entries[3], entries[2]
    err = damage_of(entries)
    assert (err.position, err.damage) == (2, Damage.ENTRIES_REORDERED)


def test_entry_inserted_with_a_forged_hash_is_named():
    entries = build()
    forged_body = entries[3].body.replace(b'"note":"entry 3"', b'"note":"forged"')
    prev = entries[2].entry_hash
    entries.insert(3, StoredEntry(forged_body, entry_hash(prev, forged_body)))
    err = damage_of(entries)
    assert (err.position, err.damage) == (3, Damage.ENTRY_INSERTED)


def test_entry_inserted_without_a_valid_hash_is_named():
    entries = build()
    entries.insert(3, StoredEntry(entries[3].body.replace(b"entry 3", b"forged"), bytes(32)))
    err = damage_of(entries)
    assert (err.position, err.damage) == (3, Damage.ENTRY_INSERTED)


def test_wrong_chain_or_garbage_body_is_a_payload_change():
    entries = build()
    entries[0] = dataclasses.replace(entries[0], body=b"not json")
    assert damage_of(entries).damage == Damage.PAYLOAD_CHANGED

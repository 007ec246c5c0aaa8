"""A dead letter shows the body's shape, never its values; the body is sealed to its source entry."""

import json

import pytest
from consent_ledger.core.dead_letters import failed_paths, masked_structure, open_body, seal_body
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from tests.support.factories import VALID_BSN, disclosure

MARK = "Zwanenburg"
KEY = bytes(range(32))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12).map(lambda t: f"{MARK}{t}"),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6), st.integers(100_000_000, 999_999_999))
def test_no_string_or_number_value_survives_masking(doc, number):
    doc["n"] = number
    shown = masked_structure(json.dumps(doc).encode())
    assert MARK not in shown and str(number) not in shown


def test_ids_stay_readable_and_keys_that_hold_numbers_are_masked():
    body = disclosure(event_id="8-digits-12345678")
    body["data"][VALID_BSN] = "x"
    shown = json.loads(masked_structure(json.dumps(body).encode()))
    assert shown["event_id"] == body["event_id"] and shown["event_type"] == "disclosure.recorded"
    assert shown["data"]["subject"] == {"bsn": "<string 9>"} and "<key>" in shown["data"]
    assert VALID_BSN not in json.dumps(shown)


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"{not json", b"[" * 100_000, None])
def test_unreadable_bodies_are_described_not_shown(raw):
    assert masked_structure(raw).startswith("<")


def test_failed_paths_mask_keys_that_could_hold_a_bsn():
    errors = [
        {"loc": ["disclosure.recorded", "data", VALID_BSN]},
        {"loc": ["disclosure.recorded", "event_id"]},
    ]
    assert failed_paths(errors) == ["data.<key>", "event_id"]


def test_the_sealed_body_opens_only_with_its_key_for_its_source():
    sealed = seal_body(KEY, b'{"a": 1}', b"ledger.events.consent/1-0")
    assert open_body(KEY, sealed, b"ledger.events.consent/1-0") == b'{"a": 1}'
    with pytest.raises(InvalidTag):
        open_body(KEY, sealed, b"ledger.events.consent/2-0")
    with pytest.raises(InvalidTag):
        open_body(bytes(32), sealed, b"ledger.events.consent/1-0")


def test_a_dead_letter_shows_only_the_contracts_names_and_keeps_no_oversized_body():
    """Issue 28 item 18: a key or an event type a producer chose is masked, however it is written
    (dashed, dotted, with letters between the digits); a body no event could be is not kept."""
    from datetime import UTC, datetime

    from consent_ledger.app.screening import NAMES, DeadLetter, RawEntry
    from ledger_contracts import EventRefused, Refusal

    body = disclosure()
    for key in ("bsn-111-222-333", "jansen.pieter", "bsn111x222x333", "tel_06-1234-5678"):
        body["data"][key] = "x"
    body["event_type"] = "jansen.pieter"
    shown = masked_structure(json.dumps(body).encode(), NAMES)
    for secret in ("111", "jansen", "pieter", "1234"):
        assert secret not in shown, secret
    assert '"<key>"' in shown and '"recipient"' in shown and '"purpose"' in shown
    body["event_type"] = "disclosure.recorded"
    assert '"disclosure.recorded"' in masked_structure(json.dumps(body).encode(), NAMES)
    errors = [{"loc": ("disclosure.recorded", "data", "bsn-111-222-333"), "msg": "Extra inputs"}]
    assert failed_paths(errors, NAMES) == ["data.<key>"]

    huge = b'{"data": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    refusal = EventRefused(Refusal.OVERSIZED, "too large", [])
    fields = DeadLetter(RawEntry("ledger.events.disclosures", "1-0", {b"event": huge}), refusal).fields(
        datetime.now(UTC), b"k" * 32
    )
    assert fields["sealed_body"] == "" and fields["body_bytes"] == str(len(huge))
    assert len(fields["body_sha256"]) == 64 and "too large to show" in fields["structure"]
    assert sum(len(v) for v in fields.values()) < 20_000  # what is kept is bounded, not the body

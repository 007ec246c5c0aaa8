"""A dead letter shows the body's shape, never its values; the body is sealed to its source entry."""

import json

import pytest
from consent_ledger.core.dead_letters import failed_paths, masked_structure, open_body, seal_body
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import VALID_BSN, disclosure

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

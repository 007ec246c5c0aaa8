"""The NL GOV profile for CloudEvents on the wire (ledger_contracts.cloudevents): any event of the
contracts, sent as a CloudEvent, is the same event as sent in the ledger's own envelope; what the
ledger does not take is refused naming the attribute and why, never quoting what was sent."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_contracts import EventRefused, Refusal, parse_event
from ledger_contracts.cloudevents import (
    CE_SIGNATURE_ATTRIBUTE,
    embedded_signature,
    from_cloudevent,
    source_urn,
    to_cloudevent,
)
from ledger_contracts.signing import verify_event

from tests.support.factories import PRODUCER_SIGNER, VALID_BSN, consent, disclosure

OIN = "oin:00000001823288444000"
MARK = "999990342"  # a marked value: it must never come back in a refusal


def as_cloudevent(envelope: dict) -> dict:
    return to_cloudevent(json.loads(json.dumps(envelope)), OIN)


events = st.one_of(
    st.builds(lambda: disclosure()),
    st.sampled_from(["given", "refused", "withdrawn"]).map(lambda k: consent(k)),
)


@settings(max_examples=60, deadline=None)
@given(
    events,
    st.uuids(version=4).map(str),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(-12, 14),
    st.booleans(),
)
def test_a_cloudevent_is_the_same_event_as_its_envelope(envelope, event_id, when, offset, logged_later):
    at = when.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=offset)))
    envelope = {**envelope, "event_id": event_id, "occurred_at": at.isoformat()}
    ce = as_cloudevent(envelope)
    if logged_later:  # the producer's `time` is when it logged the event; the occurrence travels apart
        ce = {**ce, "time": datetime(2101, 1, 1, tzinfo=UTC).isoformat(), "occurredat": at.isoformat()}
    assert from_cloudevent(ce) == {"schema_version": 2, **envelope}
    assert parse_event(json.dumps(ce)) == parse_event(json.dumps(envelope))


def test_the_profile_s_attributes():
    ce = as_cloudevent(disclosure())
    assert ce["specversion"] == "1.0"
    assert ce["type"] == "nl.consent-ledger.disclosure.recorded.v2"
    assert ce["source"] == "urn:nld:oin:00000001823288444000:systeem:gemeente-noordoostpolder.participatie"
    assert ce["datacontenttype"] == "application/json"
    assert uuid.UUID(ce["id"])
    assert all(name.isalnum() and name.islower() and len(name) <= 20 for name in ce if name != "data")
    with pytest.raises(ValueError):
        source_urn("oin:123", "website-team")  # an OIN has 20 digits


def _refused(ce: dict) -> EventRefused:
    with pytest.raises(EventRefused) as caught:
        parse_event(json.dumps(ce))
    text = caught.value.detail + json.dumps(caught.value.errors)
    assert MARK not in text, "a refusal quoted what was sent"
    return caught.value


@pytest.mark.parametrize(
    ("change", "reason", "attribute"),
    [
        ({"subject": MARK}, Refusal.VALIDATION_FAILED, "subject"),
        ({"dataref": f"https://gemeente.example/api/persoon/{MARK}"}, Refusal.VALIDATION_FAILED, "dataref"),
        ({"bsn": MARK}, Refusal.VALIDATION_FAILED, "bsn"),
        ({"nlbrpnationaliteit": "0083"}, Refusal.VALIDATION_FAILED, "nlbrpnationaliteit"),
        ({"data_base64": "AAAA"}, Refusal.VALIDATION_FAILED, "data_base64"),
        ({"datacontenttype": "text/xml"}, Refusal.VALIDATION_FAILED, "datacontenttype"),
        ({"specversion": "0.3"}, Refusal.VALIDATION_FAILED, "specversion"),
        ({"type": "nl.brp.persoon-gehuwd"}, Refusal.UNKNOWN_EVENT_TYPE, "type"),
        ({"type": "nl.consent-ledger.disclosure.recorded.v1"}, Refusal.UNSUPPORTED_SCHEMA_VERSION, None),
        ({"type": "nl.consent-ledger.disclosure.deleted.v2"}, Refusal.UNKNOWN_EVENT_TYPE, None),
        ({"source": f"urn:nld:gemeente-{MARK}.burgerzaken"}, Refusal.VALIDATION_FAILED, "source"),
        ({"id": f"doc{MARK}"}, Refusal.VALIDATION_FAILED, "id"),
        ({"time": "2026-03-01T09:30:00"}, Refusal.VALIDATION_FAILED, "time"),
        ({"controller": None}, Refusal.VALIDATION_FAILED, "controller"),
        ({"data": MARK}, Refusal.VALIDATION_FAILED, "data"),
    ],
)
def test_what_the_ledger_does_not_take_is_refused_with_its_attribute(change, reason, attribute):
    ce = {**as_cloudevent(disclosure()), **change}
    refusal = _refused({k: v for k, v in ce.items() if v is not None})
    assert refusal.reason == reason
    if attribute:
        assert refusal.detail.startswith(f"{attribute}: ") or attribute in json.dumps(refusal.errors)


def test_a_bad_bsn_in_a_cloudevent_is_refused_as_in_the_envelope():
    refusal = _refused(as_cloudevent(disclosure(bsn="123456789")))
    assert refusal.reason == Refusal.INVALID_BSN


def test_an_envelope_field_is_named_as_the_producer_sent_it():
    ce = as_cloudevent(disclosure())
    ce["processingactivity"] = "Niet Een Code"
    refusal = _refused(ce)
    assert refusal.reason == Refusal.VALIDATION_FAILED
    assert refusal.errors[0]["loc"][1] == "processingactivity"


def test_the_signature_in_the_ledgersig_attribute_covers_the_rest():
    ce = as_cloudevent(disclosure(bsn=VALID_BSN))
    ce[CE_SIGNATURE_ATTRIBUTE] = PRODUCER_SIGNER.sign(ce)
    raw = json.dumps(ce).encode()
    signed, signature = embedded_signature(raw)
    assert signature and verify_event(PRODUCER_SIGNER.public_text(), signed, signature)
    tampered = json.dumps({**ce, "controller": "gemeente-arnhem"}).encode()
    signed, signature = embedded_signature(tampered)
    assert signature and not verify_event(PRODUCER_SIGNER.public_text(), signed, signature)
    native = json.dumps(disclosure()).encode()
    assert embedded_signature(native) == (native, None)


def test_the_wire_format_s_cloudevent_example_is_taken():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs/wire-format.md").read_text(encoding="utf-8")
    [example] = re.findall(r"XADD ledger\.events\.consent \* event '(\{\"specversion.*?\})' sig", doc)
    event = parse_event(example)
    assert (event.event_type, event.producer, event.controller) == (
        "consent.given",
        "website-team",
        "werkcorporatie",
    )

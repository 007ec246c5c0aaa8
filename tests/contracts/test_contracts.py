import json

import pytest
from ledger_contracts import EVENT_TYPES, EventRefused, Refusal, parse_event
from ledger_contracts.schemas import SCHEMA_DIR, render_schemas
from ledger_contracts.streams import MAX_EVENT_BYTES

from tests.support.factories import INVALID_BSN, VALID_BSN, consent, disclosure


def test_json_schemas_on_disk_match_the_models():
    rendered = render_schemas()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.schema.json")}
    assert on_disk == rendered, "run `uv run python -m ledger_contracts.schemas` and commit the result"


def test_every_event_type_has_a_schema():
    assert {f"{t}.schema.json" for t in EVENT_TYPES} <= set(render_schemas())


def test_a_valid_disclosure_parses_and_marks_special_categories():
    event = parse_event(json.dumps(disclosure()))
    assert event.event_type == "disclosure.recorded"
    assert [c.special for c in event.data.data_categories] == [False, True, True]


def refusal_of(body: bytes | str | None) -> EventRefused:
    with pytest.raises(EventRefused) as info:
        parse_event(body)
    return info.value


CASES = [
    ("invalid bsn", json.dumps(disclosure(bsn=INVALID_BSN)), Refusal.INVALID_BSN),
    (
        "missing field",
        json.dumps({k: v for k, v in disclosure().items() if k != "producer"}),
        Refusal.VALIDATION_FAILED,
    ),
    ("wrong type", json.dumps(disclosure(occurred_at=12)), Refusal.VALIDATION_FAILED),
    ("naive time", json.dumps(disclosure(occurred_at="2026-03-01T09:30:00")), Refusal.VALIDATION_FAILED),
    ("unknown type", json.dumps(disclosure(event_type="disclosure.shredded")), Refusal.UNKNOWN_EVENT_TYPE),
    ("future schema", json.dumps(disclosure(schema_version=3)), Refusal.UNSUPPORTED_SCHEMA_VERSION),
    ("version 1 no more", json.dumps(disclosure(schema_version=1)), Refusal.UNSUPPORTED_SCHEMA_VERSION),
    ("bsn as event id", json.dumps({**disclosure(), "event_id": VALID_BSN}), Refusal.VALIDATION_FAILED),
    (
        "free-text purpose",
        json.dumps(disclosure(data={**disclosure()["data"], "purpose": "Re-integratie"})),
        Refusal.VALIDATION_FAILED,
    ),
    (
        "free-text statute",
        json.dumps(
            disclosure(
                data={
                    **disclosure()["data"],
                    "legal_basis": {"gdpr_article_6_1": "c", "statute": "Wet SUWI art. 54"},
                }
            )
        ),
        Refusal.VALIDATION_FAILED,
    ),
    ("oversized", json.dumps(disclosure(padding="x" * MAX_EVENT_BYTES)), Refusal.OVERSIZED),
    ("not json", b"\xff\xfe not json", Refusal.NOT_JSON),
    ("array", b"[1, 2]", Refusal.NOT_AN_OBJECT),
    ("no field", None, Refusal.MISSING_EVENT_FIELD),
    (
        "statute missing",
        json.dumps(disclosure(data={**disclosure()["data"], "legal_basis": {"gdpr_article_6_1": "c"}})),
        Refusal.VALIDATION_FAILED,
    ),
]


@pytest.mark.parametrize(("body", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refusals_name_their_reason(body, reason):
    assert refusal_of(body).reason == reason


# JSON the standard library reads and orjson does not: parse_event reads it as before (its fallback),
# so the refusal still names the event's id and type rather than calling the body not JSON
ONE = disclosure()
ORJSON_REFUSES = {
    "NaN": json.dumps(ONE)[:-1] + ', "x": NaN}',
    "lone surrogate": json.dumps({**ONE, "producer": "\ud800"}),
    "integer beyond 64 bits": json.dumps(ONE)[:-1] + ', "x": 123456789012345678901234567890}',
}


@pytest.mark.parametrize("body", ORJSON_REFUSES.values(), ids=ORJSON_REFUSES.keys())
def test_json_only_the_standard_library_reads_is_refused_for_its_content(body):
    refusal = refusal_of(body)
    assert (refusal.reason, refusal.event_type) == (Refusal.VALIDATION_FAILED, "disclosure.recorded")
    assert refusal.event_id == ONE["event_id"]


def test_a_refusal_never_carries_the_bsn():
    err = refusal_of(json.dumps(consent(bsn=INVALID_BSN)))
    assert INVALID_BSN not in str(err) + json.dumps(err.errors)
    err = refusal_of(json.dumps(disclosure(bsn=VALID_BSN, occurred_at="yesterday")))
    assert VALID_BSN not in str(err) + json.dumps(err.errors)


def test_no_contract_field_is_a_float():
    """The ledger canonicalises event documents without re-checking for floats (RFC 8785
    number formatting); that is safe only while no contract field is a JSON number."""
    for name, text in render_schemas().items():
        assert '"type": "number"' not in text, f"{name} has a float field"

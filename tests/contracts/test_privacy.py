"""Every contract field has a privacy class, and the clear ones cannot carry a BSN or a sentence."""

import copy
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_contracts import EVENT_TYPES, parse_event
from ledger_contracts.formats import (
    ACTOR_ID_PATTERN,
    ARTICLE_PATTERN,
    CODE_PATTERN,
    EVENT_ID_PATTERN,
    VERSION_PATTERN,
)
from ledger_contracts.phone_requests import PhoneCallRequest
from ledger_contracts.privacy import PRIVACY_KEY, Privacy, Unclassified, merge_personal, plan, split_personal
from pydantic import BaseModel, Field

from tests.support.factories import VALID_BSN, disclosure

STRICT_PATTERNS = [CODE_PATTERN, ACTOR_ID_PATTERN, VERSION_PATTERN, ARTICLE_PATTERN, EVENT_ID_PATTERN]


MODELS = {**EVENT_TYPES, "phone-request": PhoneCallRequest}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_field_of_every_contract_model_is_classified(name):
    leaves = plan(MODELS[name])
    assert leaves, name
    assert {kind for _, kind in leaves} <= set(Privacy)


def test_a_field_without_a_class_is_found():
    class Inner(BaseModel):
        note: str = Field()

    class Outer(BaseModel):
        items: list[Inner] = Field(default_factory=list)

    with pytest.raises(Unclassified, match="Inner.note"):
        plan(Outer)


def _schema_of(model, path):
    """The JSON Schema of one leaf, following $refs and list items."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})

    def resolve(s):
        while True:
            if "$ref" in s:
                s = defs[s["$ref"].split("/")[-1]]
            elif "anyOf" in s:
                s = next(x for x in s["anyOf"] if x.get("type") != "null")
            else:
                return s

    node = schema
    for part in path:
        node = resolve(node)
        node = node["items"] if part == "*" else node["properties"][part]
    node = resolve(node)
    if node.get("type") == "array":
        node = {**node, "items": resolve(node["items"])}
    return node


def _is_strict(schema):
    if "enum" in schema or "const" in schema or "pattern" in schema:
        return True
    if schema.get("format") in ("date-time", "date") or schema.get("type") in ("boolean", "integer"):
        return True
    if schema.get("type") == "array":
        return _is_strict(schema["items"])
    return False


@pytest.mark.parametrize("event_type", sorted(MODELS))
def test_clear_fields_are_vocabularies_or_strict_formats(event_type):
    model = MODELS[event_type]
    loose = [
        ".".join(path)
        for path, kind in plan(model)
        if kind is Privacy.CLEAR and not _is_strict(_schema_of(model, path))
    ]
    assert loose == [], f"clear fields of {event_type} that would take free text: {loose}"


def test_the_published_schemas_show_each_fields_class():
    schema = json.dumps(EVENT_TYPES["disclosure.recorded"].model_json_schema())
    assert f'"{PRIVACY_KEY}": "personal"' in schema and f'"{PRIVACY_KEY}": "pseudonym"' in schema


@given(st.text(min_size=1, max_size=40), st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_no_clear_format_holds_nine_digits(text, digits):
    for at in (0, len(text) // 2, len(text)):
        candidate = text[:at] + digits + text[at:]
        for pattern in STRICT_PATTERNS[:-1]:  # a UUID is random hex by definition (docs/privacy.md)
            assert not re.match(pattern, candidate), (pattern, candidate)


@given(st.lists(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True), min_size=2, max_size=5))
def test_no_clear_format_holds_a_sentence(words):
    sentence = " ".join(words)
    for pattern in STRICT_PATTERNS:
        assert not re.match(pattern, sentence)


@given(st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=60))
def test_sealing_split_and_merge_round_trip(name, details):
    event = parse_event(
        json.dumps(
            disclosure(
                data={
                    **disclosure()["data"],
                    "details": details,
                    "recipient": {"party_id": "uwv", "category": "uwv", "name": name},
                }
            )
        )
    )
    doc = event.model_dump(mode="json", exclude_none=True)
    original = copy.deepcopy(doc)
    personal = split_personal(doc, type(event))
    assert personal == {"data": {"details": details, "recipient": {"name": name}}}
    assert "name" not in doc["data"]["recipient"] and "details" not in doc["data"]
    assert merge_personal(doc, personal) == original


def test_a_bsn_fits_no_clear_field_of_a_disclosure():
    """Every clear string field of a disclosure refuses the BSN itself."""
    model = EVENT_TYPES["disclosure.recorded"]
    for path, kind in plan(model):
        schema = _schema_of(model, path)
        if kind is Privacy.CLEAR and "pattern" in schema:
            assert not re.match(schema["pattern"], VALID_BSN), ".".join(path)

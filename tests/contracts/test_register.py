"""The register files of the seeds load, and every event type is in the wire union."""

import typing
from pathlib import Path

import pytest
from consent_ledger.app.registers import RegisterInvalid, load_register, parse_register, warnings_of
from ledger_contracts.events import EVENT_TYPES, Event

REGISTERS = sorted((Path(__file__).resolve().parents[2] / "register").glob("*.yaml"))


def test_every_event_type_is_accepted_on_the_wire():
    union = typing.get_args(typing.get_args(Event)[0])
    assert {cls.model_fields["event_type"].default for cls in union} == set(EVENT_TYPES)


@pytest.mark.parametrize("path", REGISTERS, ids=lambda p: p.stem)
def test_each_seed_register_loads_under_its_controller(path):
    loaded = load_register(path)
    assert loaded.register.controller == path.stem and len(loaded.version) == 64


def test_a_health_category_without_an_art_9_ground_is_refused_naming_it():
    doc = load_register(REGISTERS[0]).document
    activity = {**doc["activities"][0], "special_categories": ["gezondheid"], "special_category_ground": None}
    activity["data_categories"] = ["naw", "gezondheid"]
    with pytest.raises(RegisterInvalid, match="art. 9"):
        parse_register({**doc, "activities": [activity]})


def test_werkcorporatie_gaps_are_reported():
    loaded = load_register(next(p for p in REGISTERS if p.stem == "werkcorporatie"))
    assert any(w.startswith("proefplaatsing: no retention rule") for w in warnings_of(loaded.register))

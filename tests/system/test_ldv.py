"""`consent-ledger export --format ldv` and `GET /v1/ldv/records`: the ledger's disclosures, consent
events and phone decisions as Logboek Dataverwerkingen records, each held to the standard's own text
(tests/vectors/ldv: its field table, status codes and dpl.core attributes); the subject id encrypted
and opened with `keys ldv`; the processing activity a URI that answers; trace ids kept from the
producer's traceparent; an erased subject no longer named; no BSN anywhere."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from consent_ledger.adapters.sql.tables import ENTRY
from consent_ledger.app.ldv import SUBJECT_ID_TYPE, open_subject_id
from sqlalchemy import select

from tests.support.factories import VALID_BSN, consent, disclosure
from tests.support.privacy_world import T0, World, lifecycle, world_cli

SPEC = Path(__file__).resolve().parents[1] / "vectors/ldv/02-component-logboek.md"
CLI = [sys.executable, "-m", "consent_platform.cli"]
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
PUBLIC = "https://ledger.gemeente.example"


def interface() -> tuple[dict[str, tuple[str, bool]], set[int], set[str]]:
    """From the standard's text: field -> (type, required), the status codes, the dpl.core names."""
    text = SPEC.read_text(encoding="utf-8")
    table = text.split("De interface ***MOET*** de volgende velden implementeren:")[1].split("\n\n")[1]
    fields = {}
    for row in table.splitlines()[2:]:
        name, kind, need = (cell.strip() for cell in row.strip("|").split("|")[:3])
        fields[name.strip("`")] = (kind, need == "verplicht")
    codes = {int(n) for n in re.findall(r"^\* `(\d+): STATUS_CODE_", text, flags=re.M)}
    core = set(re.findall(r"^\* `(dpl\.core\.[a-z_]+)`", text, flags=re.M))
    return fields, codes, core


def conforms(record: dict) -> None:
    fields, codes, core = interface()
    assert {f for f, (_, required) in fields.items() if required} <= set(record), record
    assert set(record) <= set(fields), f"not in the standard: {set(record) - set(fields)}"
    for name, value in record.items():
        kind = fields[name][0]
        if kind.endswith("byte"):
            size = int(kind.split()[0])
            assert re.fullmatch(rf"[0-9a-f]{{{2 * size}}}", value) and int(value, 16), (name, value)
        elif kind == "timestamp (ms)":
            assert isinstance(value, int) and value > 1_500_000_000_000
        elif kind == "enum":
            assert value in codes
        elif kind == "string":
            assert isinstance(value, str) and value
        elif kind in ("list", "message"):
            assert isinstance(value, dict)  # key-value pairs, as a JSON object
    assert record["start_time"] <= record["end_time"]
    attributes = record["attributes"]
    assert set(attributes) <= core and "dpl.core.processing_activity_id" in attributes
    assert attributes["dpl.core.processing_activity_id"].startswith(f"{PUBLIC}/v1/registers/")
    assert ("dpl.core.data_subject_id" in attributes) == ("dpl.core.data_subject_id_type" in attributes)


def test_the_standard_s_text_is_read():
    fields, codes, core = interface()
    assert fields["trace_id"] == ("16 byte", True) and fields["parent_span_id"] == ("8 byte", False)
    assert codes == {0, 1, 2}
    assert core == {
        "dpl.core.processing_activity_id",
        "dpl.core.data_subject_id",
        "dpl.core.data_subject_id_type",
    }


@pytest.fixture
def world(tmp_path: Path):
    w = World(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path / "home")
    yield w
    w.store.dispose()


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    return world_cli(world, *args, LEDGER_PUBLIC_URL=PUBLIC)


def test_an_ldv_export_of_what_the_ledger_holds(world, tmp_path):
    traced = disclosure(
        controller="gemeente-arnhem",
        processing_activity="begeleiding-naar-werk",
        occurred_at=T0.isoformat(),
        traceparent=f"00-{TRACE}-{PARENT}-01",
    )
    given = consent("given", purpose="newsletter-subscription", method="web", occurred_at=T0.isoformat())
    world.add(traced, given, lifecycle("case.aborted", "gemeente-arnhem", "begeleiding-naar-werk", T0))

    done = cli(world, "export", "--format", "ldv", "--out", str(tmp_path / "ldv.jsonl"))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "ldv.jsonl").read_text()
    records = [json.loads(line) for line in text.splitlines()]
    assert sorted(r["name"] for r in records) == ["consent.given", "disclosure.recorded"]  # a case is no LDV
    for record in records:
        conforms(record)
    assert VALID_BSN not in text and "Garage" not in text

    by_name = {r["name"]: r for r in records}
    assert (by_name["disclosure.recorded"]["trace_id"], by_name["disclosure.recorded"]["parent_span_id"]) == (
        TRACE,
        PARENT,
    )
    assert by_name["consent.given"]["trace_id"] == given["event_id"].replace("-", "")
    assert "parent_span_id" not in by_name["consent.given"]
    # the traceparent is sealed with the subject's data: its digits (which could spell a BSN) are
    # not on the chain in the clear
    bodies = [bytes(b).decode() for (b,) in world.store.read(lambda c: c.execute(select(ENTRY.c.body)).all())]
    assert bodies and not any(TRACE in b or PARENT in b for b in bodies)

    # the subject id opens, with the key `keys ldv` prints, to the ledger's pseudonym of the person
    printed = cli(world, "keys", "ldv")
    assert printed.returncode == 0, printed.stderr
    key = base64.b64decode(printed.stdout.strip())
    pseudonym = world.pseudonyms.pseudonym(VALID_BSN)
    for record in records:
        assert record["attributes"]["dpl.core.data_subject_id_type"] == SUBJECT_ID_TYPE
        assert open_subject_id(key, record["attributes"]["dpl.core.data_subject_id"]) == pseudonym
    sealed = [r["attributes"]["dpl.core.data_subject_id"] for r in records]
    assert len(set(sealed)) == len(sealed)  # a fresh nonce each: records do not show one person

    # after the subject's data under that activity are erased, its record names nobody
    world.clock.at = T0 + timedelta(weeks=7)  # past the P6W of an aborted guidance
    assert world.retention.run().erased_keys == 1
    cli(world, "export", "--format", "ldv", "--out", str(tmp_path / "after.jsonl"))
    after = {r["name"]: r for r in map(json.loads, (tmp_path / "after.jsonl").read_text().splitlines())}
    assert "dpl.core.data_subject_id" not in after["disclosure.recorded"]["attributes"]
    # its traceparent went with the key: the record is traced by the event's own id
    assert after["disclosure.recorded"]["trace_id"] == traced["event_id"].replace("-", "")
    assert "parent_span_id" not in after["disclosure.recorded"]
    assert after["disclosure.recorded"]["span_id"] == by_name["disclosure.recorded"]["span_id"]
    conforms(after["disclosure.recorded"])
    assert "dpl.core.data_subject_id" in after["consent.given"]["attributes"]  # another activity


async def test_ldv_records_over_http_and_the_activity_they_point_to(world):
    world.add(
        disclosure(occurred_at=T0.isoformat()), consent("given", method="web", occurred_at=T0.isoformat())
    )
    ledger, app = world.http_api(public_url=PUBLIC)
    clients = ledger.clients
    audit = clients.add("fg", ["ledger:audit"], datetime.now(UTC))
    other = clients.add("nieuwsbrief", ["consent:check"], datetime.now(UTC), ["werkcorporatie"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as web:
        assert (
            await web.get("/v1/ldv/records", headers={"Authorization": f"Bearer {other}"})
        ).status_code == 403
        auth = {"Authorization": f"Bearer {audit}"}
        first = (await web.get("/v1/ldv/records", params={"limit": 1}, headers=auth)).json()
        assert first["next"] and len(first["records"]) <= 1
        rest = (await web.get("/v1/ldv/records", params={"after": first["next"]}, headers=auth)).json()
        records = first["records"] + rest["records"]
        assert sorted(r["name"] for r in records) == ["consent.given", "disclosure.recorded"]
        for record in records:
            conforms(record)
            uri = record["attributes"]["dpl.core.processing_activity_id"]
            answer = await web.get(uri.removeprefix(PUBLIC), headers=auth)
            assert answer.status_code == 200, answer.text
            assert answer.json()["activity"]["id"] == uri.rsplit("/", 1)[1]
        missing = await web.get("/v1/registers/werkcorporatie/activities/onbekend", headers=auth)
        assert (missing.status_code, missing.json()["error"]) == (404, "unknown-activity")

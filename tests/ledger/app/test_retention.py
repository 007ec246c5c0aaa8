"""Retention and erasure against the seeds' registers, with a clock the test sets: each rule one day
before and one day after its boundary; then an erasure on SQLite and PostgreSQL after which every
proof still verifies and nothing leads from the person to what was erased."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from consent_ledger.adapters.sql.retention import SqlRetentionStore
from consent_ledger.app.records import prepare_event
from consent_ledger.bootstrap.privacy import build_checkpoints
from consent_ledger.core.audit import verify_receipt
from consent_ledger.core.merkle import verify_consistency
from consent_ledger.core.sealing import open_sealed
from consent_ledger.core.verify import verify_chain
from consent_ledger.rules.retention import add_duration
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_contracts import parse_event
from sqlalchemy import text

from tests.support.factories import OTHER_BSN, VALID_BSN, disclosure
from tests.support.privacy_world import DAY, REGISTERS, T0, World, lifecycle


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path)
    yield w
    w.store.dispose()


# (controller, activity, closing event, its data, period) as the seeds write them
RULES = [
    ("werkcorporatie", "re-integratietraject", "case.ended", {}, "P10Y"),  # seed 000
    ("gemeente-arnhem", "begeleiding-naar-werk", "case.ended", {}, "P10Y"),  # seed 001
    ("gemeente-arnhem", "begeleiding-naar-werk", "case.refused", {}, "P5Y"),
    ("gemeente-arnhem", "begeleiding-naar-werk", "case.aborted", {}, "P6W"),
    ("werkcorporatie", "klachtafhandeling", "complaint.closed", {"outcome": "handled"}, "P5Y"),
    (
        "werkcorporatie",
        "klachtafhandeling",
        "complaint.closed",
        {"outcome": "handled", "financial_consequences": True},
        "P7Y",
    ),
    ("werkcorporatie", "klachtafhandeling", "complaint.closed", {"outcome": "withdrawn"}, "P1Y"),
    ("werkkrachtcentrale", "registratie-kandidaten", "contact.recorded", None, "P5Y"),  # seed 003 art. 10
]


@pytest.mark.parametrize(("controller", "activity", "kind", "data", "period"), RULES)
def test_each_seed_rule_is_due_the_day_after_its_boundary_and_not_the_day_before(
    world, controller, activity, kind, data, period
):
    started = T0 + 30 * DAY
    world.add(lifecycle("case.started", controller, activity, T0, case_id=str(uuid.uuid4())))
    if data is None:  # art. 10: contact is what the clock runs from
        world.add(lifecycle(kind, controller, activity, started, channel="in-person", initiated_by="subject"))
    else:
        world.add(lifecycle(kind, controller, activity, started, **data))
    boundary = add_duration(started, period)
    assert (controller, activity) not in world.due_scopes(boundary - DAY)
    assert (controller, activity) in world.due_scopes(boundary + DAY)


def test_contact_restarts_the_art_10_clock(world):
    controller, activity = "werkkrachtcentrale", "registratie-kandidaten"
    world.add(lifecycle("case.started", controller, activity, T0))  # registration: first contact
    later = T0 + timedelta(days=3 * 365)
    world.add(
        lifecycle("contact.recorded", controller, activity, later, channel="phone", initiated_by="subject")
    )
    assert world.due_scopes(add_duration(T0, "P5Y") + DAY) == set()
    assert world.due_scopes(add_duration(later, "P5Y") - DAY) == set()
    assert (controller, activity) in world.due_scopes(add_duration(later, "P5Y") + DAY)


def test_a_new_case_stops_the_period_of_the_last_one(world):
    controller, activity = "gemeente-arnhem", "begeleiding-naar-werk"
    world.add(lifecycle("case.aborted", controller, activity, T0))
    world.add(lifecycle("case.started", controller, activity, T0 + 10 * DAY))
    assert world.due_scopes(T0 + timedelta(weeks=60)) == set()


def test_two_activities_of_one_subject_go_each_at_its_own_time(world):
    ended, closed = T0, T0 + 5 * DAY
    world.add(
        disclosure(
            controller="werkcorporatie",
            processing_activity="re-integratietraject",
            occurred_at=T0.isoformat(),
        ),
        lifecycle("case.ended", "werkcorporatie", "re-integratietraject", ended),
        lifecycle("complaint.closed", "werkcorporatie", "klachtafhandeling", closed, outcome="handled"),
    )
    world.clock.at = add_duration(closed, "P5Y") + DAY
    report = world.retention.run()
    assert {(e.scope.activity) for e in report.due} == {"klachtafhandeling"}
    pseudonym = world.pseudonyms.pseudonym(VALID_BSN)
    with world.store.engine.connect() as conn:
        left = conn.execute(
            text("SELECT activity FROM subject_handle WHERE pseudonym = :p"), {"p": pseudonym}
        ).scalars()
        assert set(left) == {"re-integratietraject"}
    world.clock.at = add_duration(ended, "P10Y") + DAY
    assert {e.scope.activity for e in world.retention.run().due} == {"re-integratietraject"}


def test_a_future_date_is_only_looked_at(world):
    world.add(lifecycle("case.aborted", "gemeente-arnhem", "begeleiding-naar-werk", T0))
    with pytest.raises(ValueError, match="future"):
        world.retention.run(as_of=T0 + timedelta(weeks=7))
    assert len(world.retention.run(as_of=T0 + timedelta(weeks=7), dry_run=True).due) == 1
    assert world.retention.run().erased_keys == 0  # at T0 nothing is due


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_erasure_keeps_every_proof_and_leaves_nothing_that_leads_back(backend, tmp_path, request):
    url = (
        f"sqlite:///{tmp_path / 'ledger.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    world = World(url, tmp_path)
    try:
        _erase_and_check(world, url, backend, tmp_path)
    finally:
        world.store.dispose()


def _erase_and_check(world: World, url: str, backend: str, tmp_path: Path) -> None:
    chain = "gemeente-arnhem"
    mine = disclosure(
        controller=chain, processing_activity="begeleiding-naar-werk", occurred_at=T0.isoformat()
    )
    mine["data"]["recipient"]["category"] = "uwv"
    mine["data"]["details"] = "Rapportage arbeidsvermogen: rugklachten"
    others = disclosure(
        bsn=OTHER_BSN,
        controller=chain,
        processing_activity="begeleiding-naar-werk",
        occurred_at=T0.isoformat(),
    )
    world.add(mine, others, lifecycle("case.aborted", chain, "begeleiding-naar-werk", T0))
    pseudonym = world.pseudonyms.pseudonym(VALID_BSN)
    checkpoints = build_checkpoints(world.settings, world.store)
    (before,) = checkpoints.issue(chain)
    receipt = checkpoints.receipt(chain, 1)  # the disclosure about the subject
    with world.store.engine.connect() as conn:
        handle = conn.execute(
            text("SELECT handle FROM subject_handle WHERE pseudonym = :p"), {"p": pseudonym}
        ).scalar_one()
        wrapped = conn.execute(
            text("SELECT wrapped FROM subject_key WHERE key_id = :h"), {"h": handle}
        ).scalar_one()
        body = json.loads(
            bytes(
                conn.execute(
                    text(f"SELECT body FROM ledger_entry WHERE chain='{chain}' AND seq=1")
                ).scalar_one()
            )
        )

    world.clock.at = T0 + timedelta(weeks=6) + DAY
    report = world.retention.run()
    assert report.erased_keys == 1 and report.entries_sealed == 2

    # the chain, the tree under the checkpoint signed before, the receipt and a consistency proof
    entries = list(world.store.iter_entries(chain))
    verify_chain(chain, entries, len(entries))
    (after,) = checkpoints.issue(chain)
    assert after.size == before.size + 1
    assert verify_receipt(receipt, checkpoints.verifiers())
    size, proof = checkpoints.consistency(chain, before.size, after.size)
    verify_consistency(before.size, size, before.root_hash, after.root_hash, proof)
    erased = json.loads(entries[-1].body)["event"]
    assert erased["event_type"] == "subject.erased"
    assert erased["data"]["rule"] == {"milestone": "case-aborted", "duration": "P6W"}
    assert erased["data"]["entries"] == 2 and "pseudonym" not in json.dumps(erased)

    # the sealed payload: the key is gone, and the wrapped key a backup kept opens nothing else
    with world.store.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM subject_key WHERE key_id = :h"), {"h": handle}
            ).scalar_one()
            == 0
        )
    from consent_ledger.core.sealing import unwrap_key

    data_key = unwrap_key(world.kek, bytes(wrapped), handle)  # only a pre-erasure backup has this
    assert open_sealed(data_key, body["sealed"], body["event"]["event_id"].encode())
    stored_now = [r for r in world.store.iter_entries(chain) if json.loads(r.body).get("sealed")]
    assert stored_now and all(r.body for r in stored_now)  # entries unchanged, unreadable without the key

    # nothing leads from the person to the handle or the erased entries
    with world.store.engine.connect() as conn:
        for table, column in (
            ("subject_handle", "pseudonym"),
            ("retention_milestone", "pseudonym"),
            ("consent_state", "subject"),
            ("ledger_entry", "subject"),
        ):
            n = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :p"), {"p": pseudonym}
            ).scalar_one()
            assert n == 0, table
        assert (
            conn.execute(
                text("SELECT count(*) FROM ledger_entry WHERE key_id = :h"), {"h": handle}
            ).scalar_one()
            == 0
        )
        record = conn.execute(
            text("SELECT activity, cause, rule, due_on FROM erasure_record WHERE pseudonym = :p"),
            {"p": pseudonym},
        ).one()
        assert tuple(record) == ("begeleiding-naar-werk", "retention", "case-aborted+P6W", "2026-04-13")
        other = world.pseudonyms.pseudonym(OTHER_BSN)
        assert (
            conn.execute(
                text("SELECT count(*) FROM subject_handle WHERE pseudonym = :p"), {"p": other}
            ).scalar_one()
            == 1
        )
    if backend == "postgresql":
        dump = subprocess.run(
            ["pg_dump", "--data-only", url.replace("+psycopg", "")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert handle not in dump and VALID_BSN not in dump
        assert pseudonym in dump  # only in the erasure record, which points at the erasure entry alone
        assert dump.count(pseudonym) == 1
    journal = world.journal.read()
    assert [j["handle"] for j in journal] == [handle] and pseudonym not in json.dumps(journal)


def test_disclosures_against_the_register_are_appended_with_their_violations(world):
    not_listed = disclosure(controller="werkcorporatie", processing_activity="re-integratietraject")
    not_listed["data"]["recipient"] = {"party_id": "uwv", "category": "uwv", "name": "UWV"}
    abroad = disclosure(controller="gemeente-arnhem", processing_activity="begeleiding-naar-werk")
    abroad["data"]["recipient"] = {"party_id": "werkgever", "category": "werkgever", "country": "US"}
    fine = disclosure(controller="gemeente-arnhem", processing_activity="begeleiding-naar-werk")
    fine["data"]["legal_basis"] = {
        "gdpr_article_6_1": "e",
        "statute": {"law": "participatiewet", "article": "53a"},
    }
    fine["data"]["recipient"] = {"party_id": "uwv", "category": "uwv"}
    prepared = [
        prepare_event(parse_event(json.dumps(b).encode()), world.pseudonyms)
        for b in (not_listed, abroad, fine)
    ]
    outcome = world.appender.append(prepared, ["a", "b", "c"])
    assert outcome.appended == 3
    assert ("werkcorporatie", "recipient-category-not-listed") in outcome.violations
    assert ("gemeente-arnhem", "third-country-transfer") in outcome.violations
    listed = SqlRetentionStore(world.store).violations()
    by_event = {(r["event_id"], r["reason"]) for r in listed}
    assert (not_listed["event_id"], "recipient-category-not-listed") in by_event
    assert (abroad["event_id"], "third-country-transfer") in by_event
    assert not any(r["event_id"] == fine["event_id"] for r in listed)
    # the verdict is on the entry itself, with the register version it was checked against
    arnhem = [json.loads(e.body) for e in world.store.iter_entries("gemeente-arnhem")]
    checked = {e["event"]["event_id"]: e["checks"] for e in arnhem if "checks" in e}
    version = arnhem[0]["event"]["data"]["register_version"]
    assert checked[fine["event_id"]] == {"register": version, "violations": []}
    assert "third-country-transfer" in checked[abroad["event_id"]]["violations"]


@pytest.mark.parametrize(
    ("ended", "milestone_on", "due_on"),
    [
        # 00:30 Dutch time on 1 March is 23:30 UTC on 29 February: the case ended on 1 March
        ("2028-03-01T00:30:00+01:00", "2028-03-01", "2038-03-01"),
        # P10Y from 29 February ends on 28 February (docs/privacy.md)
        ("2028-02-29T12:00:00+01:00", "2028-02-29", "2038-02-28"),
        # summer time: 00:30 CEST on 1 July is 22:30 UTC on 30 June
        ("2028-07-01T00:30:00+02:00", "2028-07-01", "2038-07-01"),
    ],
)
def test_milestones_and_due_dates_are_dutch_calendar_dates(world, ended, milestone_on, due_on):
    """Issue 28 item 9: the dates on the permanent chain and in the report are Dutch dates."""
    from datetime import date, datetime

    from ledger_contracts.dutch_time import dutch_date, start_of_dutch_day

    at = datetime.fromisoformat(ended)
    controller, activity = "werkcorporatie", "re-integratietraject"
    world.add(lifecycle("case.started", controller, activity, T0))
    world.add(lifecycle("case.ended", controller, activity, at))
    [due] = [e for e in world.retention.plan(datetime.fromisoformat("2040-01-01T00:00:00+01:00")).due]
    assert dutch_date(due.due.due_at).isoformat() == due_on
    day_begins = start_of_dutch_day(date.fromisoformat(due_on))
    assert (controller, activity) not in world.due_scopes(day_begins)
    world.clock.at = datetime.fromisoformat("2040-01-01T00:00:00+01:00")
    assert world.retention.run().erased_keys == 1
    erased = [json.loads(e.body)["event"] for e in world.store.iter_entries(controller)][-1]
    assert erased["event_type"] == "subject.erased"
    assert (erased["data"]["milestone_on"], erased["data"]["due_on"]) == (milestone_on, due_on)


def _contact_story(bsn: str) -> list[dict]:
    """Events about one new subject at werkkrachtcentrale: contact, then what is no contact (a
    disclosure about them, their own request), each later than the contact."""
    controller, activity = "werkkrachtcentrale", "registratie-kandidaten"
    contact = lifecycle(
        "contact.recorded", controller, activity, T0, bsn=bsn, channel="in-person", initiated_by="subject"
    )
    told = disclosure(
        bsn=bsn, controller=controller, processing_activity=activity, occurred_at=(T0 + 40 * DAY).isoformat()
    )
    asked = {
        "event_id": str(uuid.uuid4()),
        "event_type": "subject.request-received",
        "schema_version": 2,
        "occurred_at": (T0 + 80 * DAY).isoformat(),
        "producer": "gemeente-noordoostpolder.participatie",
        "controller": controller,
        "processing_activity": activity,
        "data": {
            "subject": {"bsn": bsn},
            "request_id": str(uuid.uuid4()),
            "right": "erasure",
            "received_on": (T0 + 80 * DAY).date().isoformat(),
            "due_on": (T0 + 110 * DAY).date().isoformat(),
            "received_by": "medewerker-17",
        },
    }
    return [contact, told, asked]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(3)), cuts=st.lists(st.booleans(), min_size=2, max_size=2))
def test_last_contact_is_the_same_whatever_the_batching_and_order(tmp_path_factory, order, cuts):
    """Issue 28 items 7 and 8: only contact events count for last contact, by type alone. A
    disclosure and the subject's own request, in the batch that creates the subject's key or
    after it, in any order, leave last contact at the contact's time."""
    home = tmp_path_factory.mktemp("contact")
    world = World(f"sqlite:///{home / 'ledger.db'}", home)
    try:
        events = [_contact_story(VALID_BSN)[i] for i in order]
        batches: list[list[dict]] = [[events[0]]]
        for event, cut in zip(events[1:], cuts, strict=True):
            if cut:
                batches.append([event])
            else:
                batches[-1].append(event)
        for batch in batches:
            world.add(*batch)
        pseudonym = world.pseudonyms.pseudonym(VALID_BSN)
        milestones = SqlRetentionStore(world.store).milestones()
        last = milestones[(pseudonym, "werkkrachtcentrale", "*")]["last-contact"]
        assert last == T0
    finally:
        world.store.dispose()


def test_a_disclosure_is_checked_against_the_register_version_in_force_when_it_happened(world, tmp_path):
    """Issue 28 item 10: a 2027 version that no longer describes the activity is published first;
    a late disclosure that happened in 2026 is checked against the 2026 version (no violation), one
    of 2027 against the 2027 version (unknown-activity), whatever the order they arrive in."""
    from consent_ledger.app.registers import load_register, publish_register

    text = (REGISTERS / "werkcorporatie.yaml").read_text(encoding="utf-8")
    newer = text.replace("valid_from: 2026-01-01", "valid_from: 2027-01-01").replace(
        "  - id: re-integratietraject", "  - id: re-integratie-nieuw"
    )
    path = tmp_path / "werkcorporatie-2027.yaml"
    path.write_text(newer, encoding="utf-8")
    loaded = load_register(path)
    publish_register(world.appender, world.pseudonyms, loaded, "privacy-officer", T0)
    late = disclosure(
        controller="werkcorporatie",
        processing_activity="re-integratietraject",
        occurred_at="2026-06-01T10:00:00+02:00",
    )
    early = disclosure(
        controller="werkcorporatie",
        processing_activity="re-integratietraject",
        occurred_at="2027-01-01T00:30:00+01:00",  # 23:30 UTC on 31 December: the Dutch date counts
    )
    world.add(early, late)
    entries = {
        json.loads(e.body)["event"]["event_id"]: json.loads(e.body)
        for e in world.store.iter_entries("werkcorporatie")
    }
    assert "unknown-activity" not in entries[late["event_id"]]["checks"]["violations"]
    assert entries[late["event_id"]]["checks"]["register"] != loaded.version
    assert entries[early["event_id"]]["checks"] == {
        "register": loaded.version,
        "violations": entries[early["event_id"]]["checks"]["violations"],
    }
    assert "unknown-activity" in entries[early["event_id"]]["checks"]["violations"]

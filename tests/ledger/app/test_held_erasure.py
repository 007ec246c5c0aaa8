"""Issue 28 item 11: an erasure request refused because a legal hold keeps the data is not
forgotten. While the hold stands, the data are restricted (consent answers are no); when the hold
ends (lifted, or past its last day) the erasure is carried out, naming the request; holds are
listed with the request each serves. On both databases, and through the operator's commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from consent_ledger.adapters.sql.engine import migrate
from consent_ledger.app.consent_query import ConsentQuery
from ledger_contracts.vocabulary import SubjectRight
from sqlalchemy import text

from tests.support.factories import VALID_BSN, consent
from tests.support.privacy_world import DAY, T0, World, lifecycle, world_cli

PHOTO = "photo-website"
HOLD_ENDS = date(2026, 6, 30)


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    w = World(database_url, tmp_path)
    yield w
    w.store.dispose()


def _events(world: World, event_type: str, chain: str = "werkcorporatie") -> list[dict]:
    bodies = [json.loads(e.body)["event"] for e in world.store.iter_entries(chain)]
    return [e for e in bodies if e["event_type"] == event_type]


def _held_request(world: World) -> tuple[str, str, str]:
    """A photo consent (basis a) and a case at werkcorporatie, a legal hold there until HOLD_ENDS,
    and an erasure request decided during the hold: (pseudonym, hold id, request id)."""
    me = world.pseudonyms.pseudonym(VALID_BSN)
    world.add(
        lifecycle("case.started", "werkcorporatie", "re-integratietraject", T0),
        consent(occurred_at=T0.isoformat()),
    )
    world.clock.at = T0 + DAY
    hold = world.rights.place_hold(me, "werkcorporatie", "legal-hold", "jurist-2", HOLD_ENDS, "bezwaar")
    request = world.rights.receive(me, "werkcorporatie", SubjectRight.ERASURE, "medewerker-17")
    decision = world.rights.decide_erasure(request.request_id, "privacy-officer")
    assert decision.outcome == "refused"
    photo = [g for g in decision.grounds if g.activity == "website-en-social-media"]
    assert [(g.outcome, g.reason, g.until) for g in photo] == [("kept", "legal-hold", HOLD_ENDS)]
    return me, hold.hold_id, request.request_id


def test_a_held_erasure_is_restricted_meanwhile_and_carried_out_after_the_hold_s_last_day(world):
    me, _hold_id, request_id = _held_request(world)
    query = ConsentQuery(world.store, world.pseudonyms)
    during = query.status(me, PHOTO, "werkcorporatie", world.clock.at)
    assert (during.status.allowed, during.status.reason) == (False, "restricted")
    [waiting] = world.rights_reads.erasures_waiting()
    assert (waiting.kind, waiting.request_id) == ("restriction", request_id)
    # the decision and the restriction are on the chain together, the restriction naming the request
    [placed] = _events(world, "subject.hold-changed")[1:]
    assert placed["data"]["kind"] == "restriction" and placed["data"]["request_id"] == request_id

    # on the hold's last day nothing goes; the day after, the run carries the request out
    world.clock.at = T0.replace(month=6, day=30, hour=21)  # 23:00 Dutch time, still 30 June
    assert world.rights.carry_out_held_erasures() == []
    assert _events(world, "subject.erased") == []
    world.clock.at = T0.replace(month=6, day=30, hour=22, minute=30)  # 00:30 on 1 July in Amsterdam
    [done] = world.rights.carry_out_held_erasures()
    assert (done.request.request_id, done.erased_keys) == (request_id, 1)
    [erased] = _events(world, "subject.erased")
    assert erased["processing_activity"] == "website-en-social-media"
    assert (erased["data"]["cause"], erased["data"]["request_id"]) == ("request", request_id)
    # the case is still kept by its own period; the restriction is lifted, and nothing is done twice
    assert world.rights_reads.erasures_waiting() == []
    assert [h.kind for h in world.rights_reads.holds(me)] == ["legal-hold"]
    assert world.rights.carry_out_held_erasures() == []
    after = query.status(me, PHOTO, "werkcorporatie", world.clock.at)
    assert after.status.allowed is False and after.status.reason != "restricted"


def test_lifting_the_hold_carries_the_erasure_out_at_once(world):
    me, hold_id, request_id = _held_request(world)
    world.clock.at = T0 + 3 * DAY
    world.rights.lift_hold(hold_id, "jurist-2")
    [erased] = _events(world, "subject.erased")
    assert erased["data"]["request_id"] == request_id and erased["data"]["erased_by"] == "jurist-2"
    assert world.rights_reads.holds(me) == []


def test_a_second_hold_still_in_force_keeps_the_erasure_waiting(world):
    me, hold_id, _request_id = _held_request(world)
    world.rights.place_hold(me, "werkcorporatie", "legal-hold", "jurist-3", date(2027, 1, 1), "beroep")
    world.rights.lift_hold(hold_id, "jurist-2")
    assert _events(world, "subject.erased") == []
    assert len(world.rights_reads.erasures_waiting()) == 1


def test_holds_are_listed_and_the_run_carries_out_through_the_commands(world):
    _me, hold_id, request_id = _held_request(world)
    listed = world_cli(world, "hold", "list", "--controller", "werkcorporatie")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[-1] == "2 holds"
    # the CLI runs at the real today, after the hold's last day: the hold shows as ended, the
    # restriction that waits for it as in force
    [legal] = [line for line in lines if line.startswith(hold_id)]
    assert "legal-hold" in legal and f"until {HOLD_ENDS}" in legal and legal.endswith("ended")
    [restriction] = [line for line in lines if "restriction" in line]
    assert f"in force  for request {request_id}" in restriction and "until lifted" in restriction
    assert world_cli(world, "hold", "list", "--controller", "gemeente-arnhem").stdout.strip() == "0 holds"
    assert world_cli(world, "hold", "list", "--subject", VALID_BSN).stdout.splitlines()[-1] == "2 holds"
    # and the retention run carries the erasure out
    run = world_cli(world, "retention", "run")
    assert run.returncode == 0, run.stderr
    assert f"erasure request {request_id} at werkcorporatie carried out" in run.stdout
    assert [e["data"]["request_id"] for e in _events(world, "subject.erased")] == [request_id]


def test_the_migration_names_the_request_of_holds_placed_before_it(world):
    _me, _hold_id, request_id = _held_request(world)
    engine = world.store.engine
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE subject_hold DROP COLUMN request_id"))
        conn.execute(text("ALTER TABLE erasure_record DROP COLUMN disclosures"))
        conn.execute(text("DROP TABLE dead_letter"))  # 0010's, made again
        conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    migrate(engine)
    [waiting] = world.rights_reads.erasures_waiting()
    assert waiting.request_id == request_id

"""The data subject's rights against the seed registers, with a clock the test sets: an erasure
request carried out where the register allows and refused, with its reason, where a law keeps the
data; a legal hold that stops the retention run; restriction; correction; requests tracked against
their one-month deadline."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from consent_ledger.app.consent_query import ConsentQuery
from consent_ledger.app.rights_model import RequestRefused
from consent_ledger.core.verify import verify_chain
from ledger_contracts.vocabulary import SubjectRight

from tests.support.factories import OTHER_BSN, VALID_BSN, consent, disclosure
from tests.support.privacy_world import DAY, T0, World, lifecycle, world_cli


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path)
    yield w
    w.store.dispose()


def entries(world: World, chain: str = "werkcorporatie") -> list[dict]:
    return [json.loads(e.body) for e in world.store.iter_entries(chain)]


def of_type(world: World, event_type: str) -> list[dict]:
    return [e for e in entries(world) if e["event"]["event_type"] == event_type]


def test_erasure_goes_where_consent_was_the_basis_and_is_refused_where_the_law_keeps_the_data(world):
    me = world.pseudonyms.pseudonym(VALID_BSN)
    world.add(
        lifecycle("case.started", "werkcorporatie", "re-integratietraject", T0),
        disclosure(occurred_at=T0.isoformat()),
        consent(occurred_at=T0.isoformat()),  # photo consent: website-en-social-media, basis a
    )
    world.clock.at = T0 + 10 * DAY
    request = world.rights.receive(me, "werkcorporatie", SubjectRight.ERASURE, "medewerker-17")
    assert request.due_on == date(2026, 4, 12)  # received 12 March: one month later

    decision = world.rights.decide_erasure(request.request_id, "privacy-officer")

    assert decision.outcome == "partly-granted"
    by_activity = {g.activity: g for g in decision.grounds}
    assert by_activity["website-en-social-media"].outcome == "erased"
    assert by_activity["website-en-social-media"].reason == "consent-basis"
    kept = by_activity["re-integratietraject"]
    assert (kept.outcome, kept.reason) == ("kept", "processing-ongoing")
    assert kept.statute is not None and kept.statute.law == "participatiewet"
    assert by_activity["ledger-beheer"].reason == "accountability"
    # on the chain: the erasure of the photo consent, then the decision naming every ground
    [erased] = of_type(world, "subject.erased")
    assert erased["event"]["data"]["cause"] == "request"
    assert erased["event"]["data"]["request_id"] == request.request_id
    [decided] = of_type(world, "subject.request-decided")
    assert decided["event"]["data"]["outcome"] == "partly-granted"
    assert {g["reason"] for g in decided["event"]["data"]["grounds"]} == {
        "consent-basis",
        "processing-ongoing",
        "accountability",
    }
    assert world.rights_reads.request(request.request_id).outcome == "partly-granted"
    # the photo consent no longer answers yes; the chain verifies
    query = ConsentQuery(world.store, world.pseudonyms)
    assert query.status(me, "photo-website", "werkcorporatie", world.clock.at).status.allowed is False
    head = {h.chain: h for h in world.store.heads()}["werkcorporatie"]
    assert verify_chain("werkcorporatie", world.store.iter_entries("werkcorporatie"), head.length).length
    # decided once
    with pytest.raises(RequestRefused) as refused:
        world.rights.decide_erasure(request.request_id, "privacy-officer")
    assert refused.value.reason == "already-decided"


def test_a_running_retention_period_refuses_erasure_until_its_end_and_names_the_rule(world):
    me = world.pseudonyms.pseudonym(VALID_BSN)
    world.add(
        lifecycle("case.started", "gemeente-arnhem", "begeleiding-naar-werk", T0),
        lifecycle("case.refused", "gemeente-arnhem", "begeleiding-naar-werk", T0 + DAY),
    )
    world.clock.at = T0 + 40 * DAY
    request = world.rights.receive(me, "gemeente-arnhem", SubjectRight.ERASURE, "medewerker-3")
    decision = world.rights.decide_erasure(request.request_id, "privacy-officer")
    assert decision.outcome == "refused"
    [ground] = [g for g in decision.grounds if g.activity == "begeleiding-naar-werk"]
    assert (ground.reason, ground.rule.milestone, ground.rule.duration) == (
        "retention-runs",
        "case-refused",
        "P5Y",
    )
    assert ground.until == date(2031, 3, 3)
    # what keeps the data is the rule's own source, not the first law of the activity's task
    assert ground.statute is None
    sources = dict(zip([g.activity for g in decision.grounds], decision.sources, strict=True))
    assert sources["begeleiding-naar-werk"] == (
        "als de begeleiding wordt geweigerd, 5 jaar (Privacyverklaring gemeente Arnhem)"
    )
    assert not [e for e in entries(world, "gemeente-arnhem") if e["event"]["event_type"] == "subject.erased"]
    # the command names it too
    asked = world.rights.receive(me, "gemeente-arnhem", SubjectRight.ERASURE, "medewerker-3")
    decided = world_cli(world, "request", "erase", asked.request_id, "--by", "privacy-officer")
    assert decided.returncode == 0, decided.stderr
    assert "period set by: als de begeleiding wordt geweigerd, 5 jaar (Privacyverklaring" in decided.stdout


def test_a_legal_hold_stops_the_retention_run_until_its_end_date(world):
    me = world.pseudonyms.pseudonym(VALID_BSN)
    world.add(
        lifecycle("case.started", "gemeente-arnhem", "begeleiding-naar-werk", T0),
        lifecycle("case.aborted", "gemeente-arnhem", "begeleiding-naar-werk", T0 + DAY),
    )
    world.clock.at = T0 + 10 * DAY
    hold = world.rights.place_hold(
        me, "gemeente-arnhem", "legal-hold", "jurist-2", until=date(2026, 9, 1), reason="bezwaarprocedure"
    )
    after_period = T0 + DAY + 6 * 7 * DAY + DAY
    world.clock.at = after_period
    report = world.retention.run()
    assert (report.erased_keys, report.held) == (0, 1)
    # the hold's end date passes: the run erases
    world.clock.at = T0.replace(month=9, day=2)
    assert world.retention.run().erased_keys == 1
    assert hold.until == date(2026, 9, 1)
    # an erasure request during a hold is refused on it
    world.add(
        lifecycle("case.started", "gemeente-arnhem", "begeleiding-naar-werk", world.clock.at, bsn=OTHER_BSN)
    )
    other = world.pseudonyms.pseudonym(OTHER_BSN)
    world.rights.place_hold(other, "gemeente-arnhem", "legal-hold", "jurist-2", until=date(2027, 1, 1))
    request = world.rights.receive(other, "gemeente-arnhem", SubjectRight.ERASURE, "medewerker-3")
    decision = world.rights.decide_erasure(request.request_id, "privacy-officer")
    assert {g.reason for g in decision.grounds if g.activity != "ledger-beheer"} == {"legal-hold"}


def test_a_lifted_hold_no_longer_stops_the_run(world):
    me = world.pseudonyms.pseudonym(VALID_BSN)
    world.add(
        lifecycle("case.started", "gemeente-arnhem", "begeleiding-naar-werk", T0),
        lifecycle("case.aborted", "gemeente-arnhem", "begeleiding-naar-werk", T0 + DAY),
    )
    hold = world.rights.place_hold(me, "gemeente-arnhem", "legal-hold", "jurist-2", until=date(2030, 1, 1))
    world.clock.at = T0 + 60 * DAY
    assert world.retention.run().held == 1
    world.rights.lift_hold(hold.hold_id, "jurist-2")
    assert world.retention.run().erased_keys == 1
    with pytest.raises(RequestRefused) as refused:
        world.rights.lift_hold(hold.hold_id, "jurist-2")
    assert refused.value.reason == "unknown-hold"


def test_requests_are_tracked_against_their_deadline(world):
    me = world.pseudonyms.pseudonym(VALID_BSN)
    world.add(disclosure(occurred_at=T0.isoformat()))
    request = world.rights.receive(me, "werkcorporatie", SubjectRight.ACCESS, "medewerker-17")
    assert world.rights_reads.overdue_count(request.due_on) == 0  # due today: not late yet
    assert world.rights_reads.overdue_count(request.due_on + DAY) == 1
    world.rights.decide(request, "granted", [], "medewerker-17")
    assert world.rights_reads.overdue_count(request.due_on + DAY) == 0
    assert world.rights_reads.requests(open_only=True) == []


def test_restriction_keeps_the_data_and_stops_consent_answers(world):
    me = world.pseudonyms.pseudonym(VALID_BSN)
    world.add(consent(occurred_at=T0.isoformat()))
    query = ConsentQuery(world.store, world.pseudonyms)
    assert query.status(me, "photo-website", "werkcorporatie", T0 + DAY).status.allowed
    world.clock.at = T0 + DAY
    request = world.rights.receive(me, "werkcorporatie", SubjectRight.RESTRICTION, "medewerker-17")
    decision = world.rights.decide_restriction(request.request_id, "privacy-officer")
    assert decision.outcome == "granted"
    assert [h.kind for h in world.rights_reads.holds(me)] == ["restriction"]
    assert query.status(me, "photo-website", "werkcorporatie", T0 + 2 * DAY).status.reason == "restricted"
    assert query.allowed_now([me], "photo-website", "werkcorporatie", T0 + 2 * DAY) == [False]


def test_a_correction_names_the_event_it_corrects_and_only_the_subjects_own(world):
    me = world.pseudonyms.pseudonym(VALID_BSN)
    mine, theirs = (
        disclosure(occurred_at=T0.isoformat()),
        disclosure(bsn=OTHER_BSN, occurred_at=T0.isoformat()),
    )
    world.add(mine, theirs)
    with pytest.raises(RequestRefused) as refused:
        world.rights.correct(me, theirs["event_id"], "/data/details", "anders", "medewerker-17")
    assert refused.value.reason == "not-about-subject"
    request = world.rights.receive(me, "werkcorporatie", SubjectRight.CORRECTION, "medewerker-17")
    chain, seq = world.rights.correct(
        me, mine["event_id"], "/data/details", "Gecorrigeerd", "medewerker-17", request.request_id
    )
    corrected = entries(world)[seq]["event"]
    assert corrected["event_type"] == "subject.corrected"
    assert corrected["processing_activity"] == mine["processing_activity"]  # goes with the data
    assert corrected["data"]["corrects"] == mine["event_id"]
    assert "Gecorrigeerd" not in json.dumps(corrected)  # the value is sealed
    assert world.rights_reads.request(request.request_id).outcome == "granted"

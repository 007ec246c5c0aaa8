"""Who is "registered" for the phone rule comes from authoritative records only: the notifier's own
records of a question (its requests, decisions and phone disclosures on the ledger) and a request
about one's own data never make a stranger known; a case event does; a restriction (GDPR art. 18)
is reported; the notifier's desk, on the real ledger, denies a stranger however often asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from consent_notifier.app.actors import Actor
from consent_notifier.app.desk import RequestInput
from consent_notifier.bootstrap import build_notifier
from consent_notifier.config import NotifierSettings
from consent_notifier.core.roles import Role
from consent_platform.subject_directory import LedgerSubjectDirectory
from ledger_contracts.vocabulary import SubjectRight
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from tests.support.factories import OTHER_BSN, VALID_BSN
from tests.support.privacy_world import World, lifecycle

CONTROLLER = "werkkrachtcentrale"
EMPLOYEE = Actor("mdw1", frozenset({Role.EMPLOYEE}))
ADMIN = Actor("beheer1", frozenset({Role.ADMINISTRATOR}))


@pytest.fixture
def world(database_url: str, tmp_path: Path):
    w = World(database_url, tmp_path)
    yield w
    w.store.dispose()


def ask(deps, bsn: str):
    stored, _ = deps.desk.submit(
        RequestInput(bsn, "uwv", "werkloosheidsuitkering", ("uitkering",), "uwv-jansen", "0527-123456"),
        EMPLOYEE,
    )
    return stored.current


def deliver_outbox(deps, world: World) -> int:
    """What the notifier published, appended to the ledger as its relay would."""
    due = deps.store.outbox_due(datetime(9999, 1, 1, tzinfo=UTC), 1_000_000)
    deps.store.outbox_delivered([m.id for m in due], datetime.now(UTC))
    bodies = [
        json.loads(m.payload)
        for m in due
        if '"event_type"' in m.payload or '"nl.consent-ledger.' in m.payload
    ]
    if bodies:
        world.add(*bodies)
    return len(bodies)


def test_only_authoritative_records_make_a_subject_known(world: World, tmp_path: Path):
    directory = LedgerSubjectDirectory(world.store, world.pseudonyms, CONTROLLER)
    deps = build_notifier(
        NotifierSettings(database_url=f"sqlite:///{tmp_path / 'notifier.db'}"),
        tmp_path,
        directory,
        CollectorRegistry(),
        world.clock,
    )
    deps.admin.seed(ADMIN)
    deps.admin.put_person("uwv-jansen", "uwv", "J. Jansen", ADMIN)
    deps.admin.verify_number("uwv-jansen", "0527-123456", ADMIN)
    world.clock.at += timedelta(minutes=1)

    first = ask(deps, VALID_BSN)
    assert (first.verdict, first.reason) == ("deny", "unknown-subject")
    assert deliver_outbox(deps, world) >= 2  # the request and its decision are on the ledger now
    me = world.pseudonyms.pseudonym(VALID_BSN)
    with world.store.engine.connect() as conn:
        about_me = conn.execute(text("SELECT count(*) FROM ledger_entry WHERE subject = :s"), {"s": me})
        assert about_me.scalar_one() >= 2
    again = ask(deps, VALID_BSN)
    assert (again.verdict, again.reason) == ("deny", "unknown-subject")

    # a request about one's own data is not a registration either
    world.rights.receive(me, CONTROLLER, SubjectRight.ACCESS, "medewerker-17")
    assert not directory.lookup(VALID_BSN).known

    # a case event from the organisation's own system registers the subject
    world.add(lifecycle("case.started", CONTROLLER, "registratie-kandidaten", world.clock.at))
    looked = directory.lookup(VALID_BSN)
    assert looked.known and not looked.restricted
    assert ask(deps, VALID_BSN).verdict == "allow"
    assert deliver_outbox(deps, world) >= 3  # the allow's phone disclosure is not a registration
    assert not directory.lookup(OTHER_BSN).known

    # registered at another controller is not registered here
    world.add(
        lifecycle("case.started", "werkcorporatie", "re-integratietraject", world.clock.at, bsn=OTHER_BSN)
    )
    assert not directory.lookup(OTHER_BSN).known

    # a restriction of processing (art. 18) stops what is told by phone
    world.rights.place_hold(me, CONTROLLER, "restriction", "privacy-officer")
    assert directory.lookup(VALID_BSN).restricted
    denied = ask(deps, VALID_BSN)
    assert (denied.verdict, denied.reason) == ("deny", "subject-restricted")
    deps.store.engine.dispose()


def test_the_migration_counts_what_the_app_counts():
    """The backfill of migration 0007 names the same event types and internal producers as
    app.registration (a migration may not import the app, so the lists are written twice)."""
    from consent_ledger.app.internal_producers import INTERNAL_PRODUCERS
    from consent_ledger.app.registration import REGISTRATION_EVENT_TYPES

    source = (
        Path(__file__).resolve().parents[3]
        / "services/ledger/src/consent_ledger/adapters/sql/migrations/versions/0007_registered_subjects.py"
    ).read_text()
    namespace: dict = {}
    exec(compile(source.split("\n\ndef upgrade")[0], "0007", "exec"), namespace)  # noqa: S102
    assert namespace["_TYPES"] == set(REGISTRATION_EVENT_TYPES)
    assert namespace["_INTERNAL"] == set(INTERNAL_PRODUCERS)

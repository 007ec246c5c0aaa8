"""The notifier's use cases on a real database (SQLite and PostgreSQL): decisions, callbacks,
override, roles, bad input that changes nothing, and the outbox delivered to a real Redis."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from consent_notifier.adapters.metrics import NotifierMetrics
from consent_notifier.adapters.outbox import OutboxRelay
from consent_notifier.app.actors import Actor
from consent_notifier.app.desk import OverrideInput, RequestInput
from consent_notifier.app.errors import Conflict, Forbidden, InputError, NotFound
from consent_notifier.app.ports import OutboxItem, SubjectLookup
from consent_notifier.bootstrap import build_notifier
from consent_notifier.config import NotifierSettings
from consent_notifier.core.roles import Role
from ledger_contracts import parse_event
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from tests.conftest import REDIS_URL

KNOWN = "p1-" + "1" * 64
UNKNOWN = "p1-" + "2" * 64
EMPLOYEE = Actor("mdw1", frozenset({Role.EMPLOYEE}))
ADMIN = Actor("beheer1", frozenset({Role.ADMINISTRATOR}))
MANAGER = Actor("directeur1", frozenset({Role.MANAGEMENT}))


class Directory:
    """The SubjectDirectory port with two subjects: one registered, one not."""

    def lookup(self, subject: str) -> SubjectLookup:
        if subject not in (KNOWN, UNKNOWN):
            raise ValueError("not a BSN passing the elfproef, nor a ledger pseudonym")
        return SubjectLookup(subject, subject == KNOWN)


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def notifier(database_url, tmp_path):
    clock = Clock()
    deps = build_notifier(
        NotifierSettings(database_url=database_url), tmp_path, Directory(), CollectorRegistry(), clock
    )
    deps.admin.seed(ADMIN)
    deps.admin.put_person("uwv-jansen", "uwv", "J. Jansen", ADMIN)
    deps.admin.verify_number("uwv-jansen", "0527-123456", ADMIN)
    yield deps, clock
    deps.store.engine.dispose()


def ask(**kw) -> RequestInput:
    values = dict(
        subject=KNOWN,
        party_id="uwv",
        topic="werkloosheidsuitkering",
        data_categories=("uitkering",),
        person_id="uwv-jansen",
        calling_number="0612345678",
    )
    values.update(kw)
    return RequestInput(**values)  # type: ignore[arg-type]


def numbers_at_rest(deps) -> list[str]:
    """Every telephone number column of the requests, decisions and callback tasks, as stored."""
    queries = (
        "SELECT calling_number FROM notifier_phone_request",
        "SELECT given_number FROM notifier_phone_request",
        "SELECT callback_number FROM notifier_decision",
        "SELECT number FROM notifier_callback_task",
    )
    with deps.store.engine.connect() as conn:
        return [v for q in queries for (v,) in conn.execute(text(q)) if v]


def rows(deps, table: str) -> int:
    with deps.store.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_callback_confirmed_then_allowed_from_the_verified_number(notifier):
    deps, clock = notifier
    first, new = deps.desk.submit(ask(request_id="r1"), EMPLOYEE)
    assert (
        new and first.current.verdict == "call-back" and first.current.reason == "calling-number-not-verified"
    )
    assert first.task.number == "+31527123456"  # the registry's number, not the calling one
    replay, new_again = deps.desk.submit(ask(request_id="r1"), EMPLOYEE)
    assert not new_again and replay.current == first.current
    with pytest.raises(Conflict):
        deps.desk.submit(ask(request_id="r1", topic="arbeidsongeschiktheidsuitkering"), EMPLOYEE)
    assert [r.task.number for r in deps.store.open_callbacks(None)] == ["+31527123456"]
    assert numbers_at_rest(deps) and not any(
        "527123456" in n or "612345678" in n for n in numbers_at_rest(deps)
    )
    done, changed = deps.desk.record_callback(first.task.task_id, "confirmed", EMPLOYEE)
    assert changed and (done.current.verdict, done.current.reason) == ("allow", "callback-confirmed")
    assert numbers_at_rest(deps) == []  # the callback is closed: no number is kept for it
    twice, changed = deps.desk.record_callback(first.task.task_id, "confirmed", EMPLOYEE)
    assert not changed and len(twice.decisions) == 2
    with pytest.raises(Conflict):
        deps.desk.record_callback(first.task.task_id, "failed", EMPLOYEE)
    later, _ = deps.desk.submit(ask(calling_number="+31527123456"), EMPLOYEE)
    assert (later.current.verdict, later.current.reason) == ("allow", "known-person-verified-number")


def test_callback_failed_and_expired_deny(notifier):
    deps, clock = notifier
    a, _ = deps.desk.submit(ask(), EMPLOYEE)
    failed, _ = deps.desk.record_callback(a.task.task_id, "failed", EMPLOYEE)
    assert (failed.current.verdict, failed.current.reason) == ("deny", "callback-failed")
    b, _ = deps.desk.submit(ask(), EMPLOYEE)
    clock.at += timedelta(minutes=31)
    assert [r.request.request_id for r in deps.desk.expire_due()] == [b.request.request_id]
    assert deps.desk.expire_due() == []
    late, changed = deps.desk.record_callback(b.task.task_id, "confirmed", EMPLOYEE)
    assert not changed and (late.current.verdict, late.current.reason) == ("deny", "callback-deadline-passed")


def test_override_only_by_management_with_a_written_reason(notifier):
    deps, _ = notifier
    denied, _ = deps.desk.submit(ask(party_id="werkgever-bouwbedrijf-emmeloord"), EMPLOYEE)
    assert (denied.current.verdict, denied.current.reason) == ("deny", "unknown-party")
    rid = denied.request.request_id
    with pytest.raises(Forbidden):
        deps.desk.override(rid, OverrideInput("Ik vind het wel goed zo"), EMPLOYEE)
    with pytest.raises(InputError):
        deps.desk.override(rid, OverrideInput("kort"), MANAGER)
    # the party is not in the registry: the manager must say who receives it and on which basis
    before = rows(deps, "notifier_outbox")
    with pytest.raises(InputError) as info:
        deps.desk.override(rid, OverrideInput("Directiebesluit 2026-114: spoed"), MANAGER)
    assert info.value.field == "recipient_category" and "not in the registry" in str(info.value)
    with pytest.raises(InputError) as info:
        deps.desk.override(rid, OverrideInput("Directiebesluit 2026-114: spoed", "werkgever"), MANAGER)
    assert info.value.field == "gdpr_basis"
    assert rows(deps, "notifier_outbox") == before
    decision = OverrideInput("Directiebesluit 2026-114: spoed", "werkgever", "Bouwbedrijf Emmeloord", "e")
    over, changed = deps.desk.override(rid, decision, MANAGER)
    assert changed and (over.current.verdict, over.current.basis, over.current.decided_by) == (
        "allow",
        "management-override",
        "directeur1",
    )
    disclosure = [e for e in outbox_events(deps) if e.event_type == "disclosure.recorded"]
    assert len(disclosure) == 1  # the override is an allow, so the ledger records what went out
    to = disclosure[0].data
    assert (to.recipient.category, to.recipient.name, to.legal_basis.gdpr_article_6_1) == (
        "werkgever",
        "Bouwbedrijf Emmeloord",
        "e",
    )
    # no law in the registry for this party: the rule followed is the regulation; the decision
    # event says it was the management's override
    assert to.legal_basis.statute.law == "privacyreglement-werkkrachtcentrale" and to.channel == "phone"
    decided = [e for e in outbox_events(deps) if e.event_type == "phone.disclosure-decided"]
    assert decided[-1].data.basis == "management-override"
    again, changed = deps.desk.override(rid, decision, MANAGER)
    assert not changed and len(again.decisions) == 2
    pending, _ = deps.desk.submit(ask(), EMPLOYEE)
    with pytest.raises(Conflict, match="only a denied request"):
        deps.desk.override(pending.request.request_id, OverrideInput("Directiebesluit 2026-115"), MANAGER)


def test_override_for_a_registered_topic_takes_the_registry_basis(notifier):
    deps, _ = notifier
    failed, _ = deps.desk.submit(ask(), EMPLOYEE)
    deps.desk.record_callback(failed.task.task_id, "failed", EMPLOYEE)
    deps.desk.override(failed.request.request_id, OverrideInput("Directiebesluit 2026-116"), MANAGER)
    (to,) = [e.data for e in outbox_events(deps) if e.event_type == "disclosure.recorded"]
    assert (to.recipient.party_id, to.recipient.category, to.legal_basis.gdpr_article_6_1) == (
        "uwv",
        "uwv",
        "c",
    )
    assert (to.legal_basis.statute.law, to.legal_basis.statute.article) == ("wet-suwi", "54")
    assert to.legal_basis.regulation.article == "8 lid 3"


def _keys(deps) -> list[str]:
    with deps.store.engine.connect() as conn:
        return [k for (k,) in conn.execute(text("SELECT key FROM notifier_outbox"))]


def pending_payloads(deps, target: str | None = None) -> list[str]:
    """What waits in the outbox, opened as the relay opens it (the table holds it sealed)."""
    due = deps.store.outbox_due(datetime(9999, 1, 1, tzinfo=UTC), 1_000_000)
    return [m.payload for m in due if target is None or m.target == target]


def outbox_events(deps) -> list:
    return [parse_event(p) for p in pending_payloads(deps, "stream")]


def test_roles_and_bad_input_change_nothing(notifier):
    deps, _ = notifier
    before = (rows(deps, "notifier_phone_request"), rows(deps, "notifier_outbox"))
    with pytest.raises(Forbidden):
        deps.desk.submit(ask(), ADMIN)
    with pytest.raises(Forbidden):
        deps.admin.put_person("x", "uwv", "X", EMPLOYEE)
    for bad, field in [
        (ask(calling_number="12"), "calling_number"),
        (ask(given_number="hallo"), "given_number"),
        (ask(subject="123456789"), "subject"),
        (ask(party_id=""), "party_id"),
        (ask(data_categories=()), "data_categories"),
        (ask(data_categories=("roddels",)), "data_categories"),
    ]:
        with pytest.raises(InputError) as info:
            deps.desk.submit(bad, EMPLOYEE)
        assert info.value.field == field
    with pytest.raises(NotFound):
        deps.desk.record_callback("no-such-task", "confirmed", EMPLOYEE)
    with pytest.raises(NotFound):
        deps.admin.put_person("x", "no-such-party", "X", ADMIN)
    with pytest.raises(InputError):
        deps.admin.verify_number("uwv-jansen", "0000", ADMIN)
    assert (rows(deps, "notifier_phone_request"), rows(deps, "notifier_outbox")) == before


def test_unknown_subject_and_expired_verification(notifier):
    deps, clock = notifier
    unknown, _ = deps.desk.submit(ask(subject=UNKNOWN), EMPLOYEE)
    assert unknown.current.reason == "unknown-subject"
    deps.admin.put_person("uwv-de-vries", "uwv", "A. de Vries", ADMIN)
    deps.admin.verify_number("uwv-de-vries", "0527 222 333", ADMIN, valid_until=clock.at + timedelta(days=1))
    clock.at += timedelta(days=2)
    expired, _ = deps.desk.submit(ask(person_id="uwv-de-vries"), EMPLOYEE)
    assert (expired.current.verdict, expired.current.reason) == ("deny", "number-expired")


def test_only_the_employee_who_asked_records_a_callback(notifier):
    """Issue 28 item 15: a colleague cannot confirm or fail another employee's callback task (its
    id is the request id plus '.cb'); it is not found, as reading the request is not."""
    deps, _ = notifier
    colleague = Actor("mdw2", frozenset({Role.EMPLOYEE}))
    asked, _ = deps.desk.submit(ask(request_id="r-own"), EMPLOYEE)
    task = asked.task.task_id
    for outcome in ("confirmed", "failed"):
        with pytest.raises(NotFound):
            deps.desk.record_callback(task, outcome, colleague)
    assert deps.store.open_callbacks(None)[0].task.task_id == task  # still open, unchanged
    done, changed = deps.desk.record_callback(task, "failed", EMPLOYEE)
    assert changed and done.current.reason == "callback-failed"
    second, _ = deps.desk.submit(ask(request_id="r-other"), EMPLOYEE)
    with pytest.raises(Forbidden):  # management decides overrides; it does not make the callback
        deps.desk.record_callback(second.task.task_id, "failed", MANAGER)


def test_a_verification_ends_when_its_end_says_on_both_databases(notifier):
    """Issue 28 item 14: a number verified "tot en met 28 februari 2027" (Dutch time) ends at
    2027-03-01T00:00+01:00, which is 23:00 UTC on 28 February. SQLite dropped the offset, so the
    verification counted for an hour more; now the instant is stored in UTC on both databases."""
    from ledger_contracts.dutch_time import parse_until

    deps, clock = notifier
    end = parse_until("2027-02-28")
    assert end == datetime(2027, 2, 28, 23, 0, tzinfo=UTC)
    given_with_offset = datetime.fromisoformat("2027-03-01T00:00:00+01:00")
    deps.admin.put_person("uwv-de-vries", "uwv", "A. de Vries", ADMIN)
    deps.admin.verify_number("uwv-de-vries", "0527 222 333", ADMIN, valid_until=given_with_offset)
    [stored] = [n for p in deps.store.persons("uwv") if p.person_id == "uwv-de-vries" for n in p.numbers]
    assert stored.valid_until == end and stored.valid_until.utcoffset() == timedelta(0)
    clock.at = end - timedelta(minutes=30)  # 23:30 Dutch time on the last day: still verified
    before, _ = deps.desk.submit(ask(person_id="uwv-de-vries", calling_number="0527 222 333"), EMPLOYEE)
    assert (before.current.verdict, before.current.reason) == ("allow", "known-person-verified-number")
    clock.at = end + timedelta(minutes=30)  # 00:30 on 1 March Dutch time: ended
    after, _ = deps.desk.submit(ask(person_id="uwv-de-vries", calling_number="0527 222 333"), EMPLOYEE)
    assert (after.current.verdict, after.current.reason) == ("deny", "number-expired")
    if deps.store.engine.dialect.name == "sqlite":  # PostgreSQL's timestamptz keeps the instant itself
        with deps.store.engine.connect() as conn:
            raw = conn.execute(text("SELECT valid_until FROM notifier_verified_number")).scalars().all()
        assert any(v and v.startswith("2027-02-28 23:00") for v in raw), raw  # in UTC as stored


async def test_outbox_delivers_every_decision_to_the_ledger_streams(notifier, redis_client):
    deps, _ = notifier
    a, _ = deps.desk.submit(ask(), EMPLOYEE)
    deps.desk.record_callback(a.task.task_id, "confirmed", EMPLOYEE)
    client = aioredis.Redis.from_url(REDIS_URL)
    relay = OutboxRelay(deps.store, client, deps.metrics)
    try:
        delivered = await relay.deliver_due()
        assert await relay.deliver_due() == 0  # nothing twice
    finally:
        await client.aclose()
    events = [
        parse_event(f[b"event"])
        for s in (b"ledger.events.phone", b"ledger.events.disclosure")
        for _, f in redis_client.xrange(s)
    ]
    kinds = [e.event_type for e in events]
    assert delivered == len(events)
    assert kinds.count("registry.party-changed") == 5 and "registry.number-verified" in kinds
    assert kinds.count("phone.disclosure-decided") == 2 and "phone.callback-confirmed" in kinds
    disclosures = [e for e in events if e.event_type == "disclosure.recorded"]
    assert len(disclosures) == 1 and disclosures[0].data.channel == "phone"  # only the allow
    assert disclosures[0].data.recipient.party_id == "uwv"
    assert deps.store.outbox_counts() == (0, 0)
    # what was delivered is not kept: each row stays as its key's tombstone, payload emptied
    with deps.store.engine.connect() as conn:
        kept = conn.execute(text("SELECT payload, then_item FROM notifier_outbox")).all()
    assert kept and all(p == "" and t is None for p, t in kept)
    with deps.store.transaction() as tx:  # the same message enqueued again is known: not sent twice
        tx.enqueue([OutboxItem(key, "stream", "ledger.events.phone", "{}") for key in _keys(deps)])
    assert deps.store.outbox_counts() == (0, 0)


async def test_outbox_retries_a_failing_webhook_and_gives_up_counted(notifier, redis_client):
    deps, _ = notifier
    with deps.store.transaction() as tx:
        tx.enqueue(
            [OutboxItem("webhook:test", "webhook", "http://127.0.0.1:9/nothing-listens", json.dumps({}))]
        )
    client = aioredis.Redis.from_url(REDIS_URL)
    relay = OutboxRelay(
        deps.store, client, NotifierMetrics(CollectorRegistry()), max_attempts=2, first_delay=timedelta(0)
    )
    try:
        await relay.deliver_due()
        assert deps.store.outbox_counts() == (1, 0)  # first failure: retried, not lost
        await relay.deliver_due()
    finally:
        await client.aclose()
    pending, failed = deps.store.outbox_counts()
    assert (pending, failed) == (0, 1)
    assert relay.metrics.outbox_failed._value.get() == 1

"""No message can stall a stream (DESIGN.md invariant 2): through the real consumer on a real
Redis, on SQLite and PostgreSQL, every poison body is dead-lettered with a reason inside its own
batch, and the good events read in the same batch are appended at once, not after a reclaim.
Then the property: any byte string under any field name, through the ingest use case on a real
store, is appended or refused, and nothing raises."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from consent_ledger.adapters.sql.errors import DatabaseUnavailable
from consent_ledger.app.append import BatchAppender
from consent_ledger.app.ingest import IngestService, RawEntry
from consent_ledger.bootstrap.store import build_store
from consent_ledger.core.pseudonyms import Pseudonymizer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_contracts.streams import CONSENT_STREAM, DEAD_LETTER_STREAM, DISCLOSURE_STREAM, LEDGER_GROUP
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.conftest import wait_until
from tests.faults.figures import scaled, tally
from tests.ledger.adapters.test_end_to_end import dead_letters
from tests.support.factories import OTHER_BSN, consent, disclosure, signed
from tests.support.harness import eventually, running_ledger, settings_for


def surrogate_text() -> bytes:
    """A valid, signed disclosure whose sealed free text is a lone surrogate (valid JSON escape,
    not encodable as UTF-8)."""
    body = disclosure()
    body["data"]["details"] = "\ud800"
    return json.dumps(body).encode()


POISON: dict[str, dict[str | bytes, str | bytes]] = {
    "deeply nested": {"event": b"[" * 10_000 + b"]" * 10_000},
    "invalid UTF-8": {"event": b'{"event_id": "\xff\xfe", "event_type": "disclosure.recorded"}'},
    "invalid UTF-8 field name": {b"\xff\xfe": b"\xc3\x28"},
    "huge number": {
        "event": b'{"event_type": "disclosure.recorded", "schema_version": ' + b"9" * 50_000 + b"}"
    },
    "lone surrogate": signed(surrogate_text().decode()),
    "empty": {"event": b""},
}


async def test_poison_is_dead_lettered_in_its_own_batch_and_its_neighbours_go_on(
    redis_client, database_url, tmp_path
):
    r = redis_client
    # reclaiming waits 30 s: a poison that failed its batch would hold the good events that long
    settings = settings_for(database_url, tmp_path, reclaim_idle_ms=30_000, batch_size=50)
    good = [disclosure(), disclosure(bsn=OTHER_BSN), consent(kind="withdrawn")]
    r.xadd(DISCLOSURE_STREAM, signed(good[0]))
    for fields in POISON.values():
        r.xadd(DISCLOSURE_STREAM, fields)
    r.xadd(DISCLOSURE_STREAM, signed(good[1]))
    r.xadd(CONSENT_STREAM, signed(good[2]))

    async with running_ledger(settings) as ledger:
        await eventually(lambda: ledger.store.count_entries() == 3, timeout=10, what="the 3 good events")
        await eventually(lambda: len(dead_letters(r)) == len(POISON), timeout=10, what="every poison")
        await eventually(
            lambda: r.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"] == 0, timeout=10, what="all acked"
        )
    reasons = sorted(d["reason"] for d in dead_letters(r))
    assert reasons == sorted(
        ["not_json", "not_json", "missing_event_field", "not_json", "validation_failed", "not_json"]
    )
    assert all("\ud800" not in d["detail"] and "\xff" not in d["detail"] for d in dead_letters(r))


class FailingOn(BatchAppender):
    """The real appender, except that a batch holding `poison` fails inside its transaction: as a
    database that rejects one entry's bytes would (`error`), or as a database that is down would."""

    def __init__(self, appender: BatchAppender, poison: str, error: Exception) -> None:
        self.__dict__.update(appender.__dict__)
        self.poison, self.error = poison, error

    def append(self, prepared, sources, *args, **kw):
        if any(p.event_id == self.poison for p in prepared):
            with self._store.transaction():  # the store raises it as the ledger's family would see it
                raise self.error
        return super().append(prepared, sources, *args, **kw)


def test_a_batch_that_fails_on_one_entry_is_split_and_only_that_entry_refused(tmp_path):
    settings = settings_for(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path)
    store = build_store(settings)
    pkey, kek = settings.keys()
    bodies = [disclosure() for _ in range(7)]
    poison = bodies[4]["event_id"]
    entries = [
        RawEntry(DISCLOSURE_STREAM, f"1-{i}", {b"event": json.dumps(b).encode()})
        for i, b in enumerate(bodies)
    ]
    appender = FailingOn(BatchAppender(store, kek), poison, ValueError("bytes the store refuses"))
    ingest = IngestService(appender, Pseudonymizer({1: pkey}, 1))

    result = ingest.settle(entries).result

    assert result.outcome.appended == 6 and store.count_entries() == 6
    [refused] = result.dead_letters
    assert (refused.source.entry_id, refused.refusal.reason) == ("1-4", "unprocessable")
    assert "ValueError" in str(refused.refusal) and "refuses" not in str(refused.refusal)  # no message
    # a database outage is no entry's fault: the batch fails whole, nothing is refused
    down = FailingOn(BatchAppender(store, kek), poison, OperationalError("SELECT 1", {}, OSError("down")))
    with pytest.raises(DatabaseUnavailable) as raised:
        IngestService(down, Pseudonymizer({1: pkey}, 1)).settle(entries)
    assert isinstance(raised.value.__cause__, OperationalError)
    store.dispose()


# --- the property ---------------------------------------------------------------------------

fields = st.dictionaries(
    st.one_of(st.just(b"event"), st.just(b"sig"), st.binary(max_size=12)),
    st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
            ),
            max_leaves=20,
        ).map(lambda doc: json.dumps(doc).encode()),
        st.builds(
            lambda text: json.dumps(
                {**disclosure(), "data": {**disclosure()["data"], "details": text}}
            ).encode(),
            st.text(st.characters() | st.sampled_from("\ud800\udfff\x00"), max_size=40),
        ),
    ),
    max_size=3,
)


@pytest.fixture(scope="module")
def ingest(tmp_path_factory):
    settings = settings_for(
        f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'ledger.db'}", tmp_path_factory.mktemp("h")
    )
    store = build_store(settings)
    pkey, kek = settings.keys()
    yield IngestService(BatchAppender(store, kek), Pseudonymizer({1: pkey}, 1), gate=None)
    store.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(fields, min_size=1, max_size=6))
def test_any_entry_is_appended_or_refused_and_nothing_raises(ingest, batch):
    entries = [RawEntry(DISCLOSURE_STREAM, f"1-{i}", f) for i, f in enumerate(batch)]
    result = ingest.settle(entries).result
    o = result.outcome
    assert o.appended + o.duplicates + len(o.conflicts) + len(result.dead_letters) == len(entries)
    for dl in result.dead_letters:  # the dead letter itself can always be written to Redis
        assert all(v.encode("utf-8") is not None for v in dl.fields(datetime.now(UTC), b"k" * 32).values())


def test_a_withdrawal_beside_poison_is_noticed_to_its_recipients(up):
    """Through `up`, ledger and notifier: poison on the consent stream in the same batch as a
    withdrawal; the withdrawal is appended and Comsi gets its notice."""
    env, _ = up
    r = redis.Redis.from_url(Path(env["LEDGER_HOME"], "redis.url").read_text().strip())
    given = consent("given", OTHER_BSN, "newsletter-subscription", method="web")
    withdrawn = consent("withdrawn", OTHER_BSN, "newsletter-subscription", "2026-04-01T10:00:00+02:00")
    r.xadd(CONSENT_STREAM, {"event": json.dumps(given)})
    for fields in POISON.values():
        r.xadd(CONSENT_STREAM, fields)
    r.xadd(CONSENT_STREAM, {"event": json.dumps(withdrawn)})
    wait_until(lambda: r.xlen("ledger.notices.comsi") == 1, timeout=15, what="the notice to Comsi")
    [(_, notice)] = r.xrange("ledger.notices.comsi")
    sent = json.loads(notice[b"event"])  # a CloudEvent of the NL GOV profile
    assert sent["type"] == "nl.consent-ledger.consent.ended-notice.v1"
    assert sent["data"]["consent_event_id"] == withdrawn["event_id"]
    wait_until(lambda: r.xlen(DEAD_LETTER_STREAM) == len(POISON), timeout=15, what="every poison")


async def test_an_entry_that_fails_every_delivery_is_set_aside_and_its_neighbours_appended(
    redis_client, database_url, tmp_path
):
    """An entry whose append fails as if the database refused it (an error that is retried, not
    split) fails its batch; once delivered `max_deliveries` times it is tried alone, and, since the
    database answers, dead-lettered as delivery_attempts_exceeded while its neighbours are appended."""
    r = redis_client
    settings = settings_for(database_url, tmp_path, reclaim_idle_ms=300, max_deliveries=2)
    good, bad = [disclosure() for _ in range(3)], disclosure()
    async with running_ledger(settings) as ledger:
        refused = IntegrityError("INSERT INTO ledger_entry", {}, Exception("a constraint the entry breaks"))
        ledger.ingest._appender = FailingOn(ledger.ingest._appender, bad["event_id"], refused)
        for body in (good[0], bad, good[1], good[2]):
            r.xadd(DISCLOSURE_STREAM, signed(body))
        await eventually(lambda: ledger.store.count_entries() == 3, timeout=20, what="the 3 neighbours")
        await eventually(lambda: len(dead_letters(r)) == 1, timeout=20, what="the dead letter")
        await eventually(
            lambda: r.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"] == 0, timeout=10, what="all acked"
        )
        [letter] = dead_letters(r)
        assert letter["reason"] == "delivery_attempts_exceeded" and letter["event_id"] == bad["event_id"]
        assert "IntegrityError" in letter["detail"]
        assert ledger.metrics.batch_retries._value.get() >= 4  # retried at once first, quietly


stream_entries = st.lists(fields.filter(bool), min_size=1, max_size=8)


@settings(max_examples=scaled(15, 200), deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=stream_entries)
async def test_arbitrary_entries_through_the_real_consumer_never_stall_it(redis_client, tmp_path, batch):
    """Any fields, any bytes, published to a stream the real consumer reads: within one pass each is
    appended or dead-lettered, and an ordinary event published after them is appended at once."""
    r = redis_client
    settings = settings_for(f"sqlite:///{tmp_path / 'fuzz.db'}", tmp_path, reclaim_idle_ms=30_000)
    async with running_ledger(settings) as ledger:
        entries_before, dead_before = ledger.store.count_entries(), r.xlen(DEAD_LETTER_STREAM)
        for f in batch:
            r.xadd(DISCLOSURE_STREAM, f)
        sentinel = disclosure()
        r.xadd(DISCLOSURE_STREAM, signed(sentinel))
        started = time.monotonic()

        def settled() -> bool:
            handled = ledger.store.count_entries() - entries_before + r.xlen(DEAD_LETTER_STREAM) - dead_before
            return handled == len(batch) + 1 and r.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"] == 0

        await eventually(settled, timeout=10, what="every entry appended or dead-lettered")
    tally("arbitrary entries through the real consumer (a stall fails the test)", time.monotonic() - started)

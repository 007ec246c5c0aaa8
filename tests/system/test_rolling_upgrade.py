"""A rolling upgrade on one database, with the previous release's own consumer (issue 29 item 8).

The order an IT department follows (CHANGELOG.md, upgrade notes): a replica of the previous release
runs; this release's producers start publishing; this release migrates the database under the
running replica; a replica of this release starts beside it, while a producer still on the previous
release publishes too; the previous replica is stopped and this release's goes on alone. Nothing is
lost, nothing is doubled, nothing is dead-lettered, the chains verify, and every case the previous
replica appended reaches the known-subject table (the phone rule's "is this a known person")."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import redis
from consent_ledger.adapters.sql.dead_letters import SqlDeadLetters
from consent_ledger.adapters.sql.producers import SqlProducerStore
from consent_ledger.bootstrap.store import build_store
from consent_ledger.core.verify import verify_chain
from consent_platform.demo import PRODUCER, demo_events
from ledger_contracts import encode_event
from ledger_contracts.streams import DEAD_LETTER_STREAM, EVENT_STREAMS, LEDGER_GROUP
from sqlalchemy import create_engine, text

from tests.conftest import REDIS_URL, wait_until
from tests.support.factories import PRODUCER_SIGNER
from tests.support.harness import eventually, running_ledger, settings_for
from tests.support.previous_release import previous, previous_command

CLOUD = "oin:00000001234567890000"


def _publish_as_this_release(r: redis.Redis, seed: int) -> list[str]:
    ids = []
    for i, event in enumerate(demo_events(subjects=8, seed=seed)):
        stream, fields = encode_event(event, PRODUCER_SIGNER, organisation=CLOUD if i % 2 else None)
        r.xadd(stream, fields)
        ids.append(str(event.event_id))
    return ids


def _publish_as_the_previous_release(r: redis.Redis, where: Path, seed: int) -> list[str]:
    ids = []
    for i, line in enumerate(previous(where, "publish", str(seed))):
        if i % 2 != (i // 2) % 2:  # it gives each event plain, then as a CloudEvent: take one
            continue
        entry = json.loads(line)
        stream = entry.pop("stream")
        r.xadd(stream, entry)
        body = json.loads(entry["event"])
        ids.append(body.get("event_id") or body["id"])  # a CloudEvent names it `id`
    return ids


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    except Exception:  # noqa: BLE001 - no table yet: the previous release has not migrated
        return None
    finally:
        engine.dispose()


def _stored_ids(store) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for chain in store.chains():
        for entry in store.iter_entries(chain):
            event = json.loads(entry.body).get("event", {})
            if event.get("producer") == PRODUCER:
                ids.append(event["event_id"])
    return ids


async def test_a_rolling_upgrade_from_the_previous_release_loses_nothing(
    redis_client, postgres_url, ledger_env, tmp_path
):
    r = redis_client
    previous_tree = tmp_path / "previous"
    env = {
        **os.environ,
        **ledger_env,
        "LEDGER_DATABASE_URL": postgres_url,
        "LEDGER_REDIS_URL": REDIS_URL,
        "LEDGER_CONSUMER__CONSUMER_NAME": "previous-replica",
        "LEDGER_CONSUMER__POLL_MS": "20",
    }
    consume, consume_env = previous_command(previous_tree, "consent_platform.cli", "consume", env=env)
    log = (tmp_path / "previous-replica.log").open("w")
    # The previous release's replica sets the database up (its migrations), and its command
    # registers the producer.
    replica = subprocess.Popen(consume, env=consume_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(
            lambda: all(r.exists(s) and r.xinfo_groups(s) for s in EVENT_STREAMS),
            timeout=60,
            what="the previous replica's consumer groups",
        )
        wait_until(lambda: _revision(postgres_url) is not None, timeout=60, what="its migrations")
        before = _revision(postgres_url) or ""
        add, add_env = previous_command(
            previous_tree,
            "consent_ledger.cli",
            *("producers", "add", PRODUCER, "--type", "*", "--controller", "*"),
            *("--public-key", PRODUCER_SIGNER.public_text()),
            env=env,
        )
        done = subprocess.run(add, env=add_env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        published = _publish_as_this_release(r, seed=291)
        # this release migrates the database under the running replica (expand: it only adds)
        settings = settings_for(postgres_url, tmp_path / "home")
        store = build_store(settings)
        after = _revision(postgres_url)
        assert after is not None and after > before
        published += _publish_as_this_release(r, seed=292)
        wait_until(
            lambda: len(_stored_ids(store)) >= len(published),
            timeout=120,
            what="the previous replica appending this release's events",
        )
        async with running_ledger(settings) as ledger:  # a replica of this release beside it

            def all_in() -> bool:
                return len(_stored_ids(store)) >= len(published) and all(
                    r.xpending(s, LEDGER_GROUP)["pending"] == 0 for s in EVENT_STREAMS
                )

            published += _publish_as_the_previous_release(r, previous_tree, seed=293)
            await eventually(all_in, timeout=120, what="the two replicas appending everything")
            assert replica.poll() is None, "the previous replica kept running beside this one"
            # the next step of the upgrade: the previous replica is stopped; this one goes on alone
            replica.terminate()
            replica.wait(30)  # everything it read was acknowledged: nothing is left pending
            published += _publish_as_this_release(r, seed=294)
            await eventually(all_in, timeout=120, what="this release's replica appending alone")
            consumers = {
                c["name"].decode() for s in EVENT_STREAMS for c in r.xinfo_consumers(s, LEDGER_GROUP)
            }
            assert {"previous-replica", ledger.settings.consumer.consumer_name} <= consumers
    finally:
        replica.terminate()
        replica.wait(30)
        log.close()

    stored = _stored_ids(store)
    assert sorted(stored) == sorted(published), "nothing lost, nothing doubled"
    assert len(published) == len(set(published)) > 100
    assert r.xlen(DEAD_LETTER_STREAM) == 0 and SqlDeadLetters(store.engine).list(100) == []
    for chain in store.chains():
        entries = list(store.iter_entries(chain))
        assert verify_chain(chain, entries, len(entries)).length == len(entries)
    # every case started (8 residents in each of the four scenarios) made its resident known, the
    # previous replica's appends included
    with store.engine.connect() as conn:
        known = conn.execute(
            text("SELECT count(*) FROM registered_subject WHERE activity = 'registratie-kandidaten'")
        ).scalar_one()
    assert known == 4 * 8
    producers = {p.producer_id for p in SqlProducerStore(store.engine).producers()}
    assert PRODUCER in producers
    store.dispose()

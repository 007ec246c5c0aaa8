"""A rolling upgrade loses no event (issue 29 item 8): what this release's producers publish, the
previous release's contracts take, and the reverse. The previous release is the commit CHANGELOG.md
names for it; its contracts (and its demo scenario, which uses them alone) are taken from the
repository's history and run in a process of their own, beside this release's."""

from __future__ import annotations

import json

from consent_platform.demo import demo_events
from ledger_contracts import encode_event, parse_event
from ledger_contracts.signing import ProducerSigner

from tests.support.previous_release import previous

SIGNER = ProducerSigner.generate()


def _has_null(value: object) -> bool:
    if isinstance(value, dict):
        return any(v is None or _has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(v is None or _has_null(v) for v in value)
    return False


def test_the_previous_release_takes_what_this_one_publishes(tmp_path):
    bodies = []
    for event in demo_events(subjects=8, seed=29):
        for cloud in (None, "oin:00000001234567890000"):
            _, fields = encode_event(event, SIGNER, organisation=cloud)
            bodies.append(fields["event"].decode())
    # an optional field left out is absent, never null: a release whose contracts lack a field
    # added since takes the event (a null of an unknown field is refused as an extra field)
    nulls = [b for b in bodies if _has_null(json.loads(b))]
    assert nulls == [], nulls[:1]
    verdicts = previous(tmp_path, "parse", stdin="".join(json.dumps(b) + "\n" for b in bodies))
    assert len(verdicts) == len(bodies) > 100
    refused = [v for v in verdicts if v != "taken"]
    assert refused == [], refused[:5]


def test_this_release_takes_what_the_previous_one_publishes(tmp_path):
    bodies = [json.loads(line)["event"] for line in previous(tmp_path, "publish")]
    assert len(bodies) > 100
    for body in bodies:
        parse_event(body.encode())  # raises EventRefused, naming the reason, when it would be refused


def test_a_database_a_newer_release_migrated_is_used_as_it_is(database_url, tmp_path, caplog):
    """This release, as the previous one during the next rolling upgrade: a database already at a
    revision it does not know is not refused (migrations only add)."""
    from consent_ledger.adapters.sql.engine import make_engine, migrate
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))  # a later release's
        with caplog.at_level("WARNING", logger="consent_ledger.migrations"):
            migrate(engine)  # before: "Can't locate revision identified by '0099'"
        assert "newer than this release knows" in caplog.text
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0099"
    finally:
        engine.dispose()


def test_the_notifier_s_database_a_newer_release_migrated_is_used_as_it_is(database_url, caplog):
    from consent_notifier.adapters.sql.engine import make_engine, migrate
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE notifier_alembic_version SET version_num = '0099'"))
        with caplog.at_level("WARNING", logger="consent_notifier.migrations"):
            migrate(engine)
        assert "newer than this release knows" in caplog.text
    finally:
        engine.dispose()

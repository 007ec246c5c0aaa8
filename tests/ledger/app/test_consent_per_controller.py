"""Issue 28 item 1 on the stored side: the consent projection holds one fact per (subject, purpose,
controller), and migration 0008 rebuilds it so from the entries a 0007 ledger holds."""

from __future__ import annotations

import json

from consent_ledger.adapters.sql.engine import migrate
from consent_ledger.app.screening import RawEntry
from sqlalchemy import text

from tests.support.factories import PRODUCER_SIGNER, VALID_BSN, consent
from tests.support.harness import register_test_producers, settings_for

NEWS = "newsletter-subscription"


def _entries(events: list[dict]) -> list[RawEntry]:
    out = []
    for i, event in enumerate(events):
        body = json.dumps(event).encode()
        out.append(
            RawEntry(
                "ledger.events.consent",
                f"1-{i}",
                {b"event": body, b"sig": PRODUCER_SIGNER.sign(body).encode()},
            )
        )
    return out


def _at(controller: str, kind: str, when: str, name: str) -> dict:
    event = consent(kind, VALID_BSN, NEWS, when, name, **({"method": "web"} if kind == "given" else {}))
    event["controller"] = controller
    return event


def _projection(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(
            tuple(r)
            for r in conn.execute(
                text("SELECT subject, purpose, chain, event_type, event_id, seq FROM consent_state")
            )
        )


def test_the_migration_names_the_consent_types_the_contracts_name():
    """Migration 0008 may not import the contracts, so its list of consent types is written twice."""
    from pathlib import Path

    from ledger_contracts import CONSENT_EVENT_TYPES

    source = (
        Path(__file__).resolve().parents[3]
        / "services/ledger/src/consent_ledger/adapters/sql/migrations/versions"
        / "0008_controller_scoped_consent.py"
    ).read_text()
    namespace: dict = {}
    exec(compile(source.split("\n\ndef _fixed_utc")[0], "0008", "exec"), namespace)  # noqa: S102
    assert namespace["_CONSENT_TYPES"] == set(CONSENT_EVENT_TYPES)


def test_each_controller_keeps_its_own_consent_and_the_migration_rebuilds_it(database_url, tmp_path):
    from consent_ledger.bootstrap.ledger import build_ledger

    ledger = build_ledger(
        settings_for(database_url, tmp_path, screening_workers=0), "redis://127.0.0.1:6379/15"
    )
    register_test_producers(ledger.producers, ledger.kek)
    try:
        # werkcorporatie: given, later withdrawn; werkkrachtcentrale: given after werkcorporatie's withdrawal
        result = ledger.ingest.handle(
            _entries(
                [
                    _at("werkcorporatie", "given", "2026-01-10T10:00:00+01:00", "wc-given"),
                    _at("werkcorporatie", "withdrawn", "2026-02-10T10:00:00+01:00", "wc-withdrawn"),
                    _at("werkkrachtcentrale", "given", "2026-03-10T10:00:00+01:00", "wkc-given"),
                ]
            )
        )
        assert result.outcome.appended == 3, result.dead_letters
        pseudonym = ledger.pseudonyms.pseudonym(VALID_BSN)
        wc = ledger.store.consent_fact(pseudonym, NEWS, "werkcorporatie")
        wkc = ledger.store.consent_fact(pseudonym, NEWS, "werkkrachtcentrale")
        assert wc is not None and wc[0].event_type == "consent.withdrawn"
        assert wkc is not None and wkc[0].event_type == "consent.given"
        assert ledger.store.consent_fact(pseudonym, NEWS, "gemeente-arnhem") is None
        made = _projection(ledger.store.engine)
        assert len(made) == 2

        # Back to a 0007 ledger: one row per (subject, purpose), the later grant having won it.
        engine = ledger.store.engine
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE accepted_fact"))
            conn.execute(text("DROP TABLE consent_state"))
            conn.execute(
                text(
                    "CREATE TABLE consent_state (subject VARCHAR(80) NOT NULL, purpose VARCHAR(64) NOT NULL, "
                    "event_type VARCHAR(64) NOT NULL, occurred_at VARCHAR(40) NOT NULL, "
                    "event_id VARCHAR(128) NOT NULL, "
                    "valid_until VARCHAR(40), chain VARCHAR(128) NOT NULL, seq INTEGER NOT NULL, "
                    "PRIMARY KEY (subject, purpose))"
                )
            )
            conn.execute(text("CREATE INDEX ix_consent_state_valid_until ON consent_state (valid_until)"))
            conn.execute(
                text(
                    "INSERT INTO consent_state VALUES (:s, :p, 'consent.given', "
                    "'2026-03-10T09:00:00.000000Z', :e, NULL, 'werkkrachtcentrale', 1)"
                ),
                {"s": pseudonym, "p": NEWS, "e": wkc[0].event_id},
            )
            conn.execute(text("ALTER TABLE api_client DROP COLUMN controllers"))
            conn.execute(text("ALTER TABLE subject_hold DROP COLUMN request_id"))  # and 0009's
            conn.execute(text("ALTER TABLE erasure_record DROP COLUMN disclosures"))
            conn.execute(text("DROP TABLE dead_letter"))  # and 0010's
            conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
        migrate(engine)
        assert _projection(engine) == made
    finally:
        ledger.store.dispose()

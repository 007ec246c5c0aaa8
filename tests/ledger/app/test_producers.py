"""Only known producers write: a forged consent event changes no answer and is dead-lettered with its
reason. Redis ACL users are the second line: tests/ledger/adapters/test_redis_users.py."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from consent_ledger.app.producers import ProducerRecord
from ledger_contracts.signing import ProducerSigner
from ledger_contracts.streams import CONSENT_STREAM, DEAD_LETTER_STREAM

from tests.support.factories import PRODUCER_SIGNER, VALID_BSN, consent, signed
from tests.support.harness import eventually, running_ledger, settings_for

NEWS = "newsletter-subscription"


def register(ledger, producer_id, signer, types, controllers=("werkcorporatie",)) -> None:
    record = ProducerRecord(producer_id, signer.public_text(), types, controllers, datetime.now(UTC))
    ledger.producers.put_producer(record)


async def test_a_forged_consent_changes_no_answer(redis_client, database_url, tmp_path):
    r = redis_client
    supplier = ProducerSigner.generate()
    async with running_ledger(settings_for(database_url, tmp_path)) as ledger:
        register(ledger, "website-team", PRODUCER_SIGNER, ("consent.*",))
        register(ledger, "nieuwsbrief-leverancier", supplier, ("disclosure.recorded",))
        register(ledger, "oud-systeem", supplier, ("consent.*",))
        ledger.producers.disable_producer("oud-systeem", datetime.now(UTC))
        r.xadd(CONSENT_STREAM, signed(consent("refused", VALID_BSN, NEWS, method="web")))
        await eventually(lambda: ledger.store.count_entries() == 1, what="the genuine refusal")
        pseudonym = ledger.pseudonyms.pseudonym(VALID_BSN)
        answer = ledger.store.consent_fact(pseudonym, NEWS, "werkcorporatie")
        assert answer is not None and answer[0].event_type == "consent.refused"

        later = "2026-06-01T10:00:00+02:00"
        forged = {
            "unsigned": {"event": consent_json(later, "website-team")},
            "another key": {
                "event": consent_json(later, "website-team"),
                "sig": ProducerSigner.generate().sign(consent_json(later, "website-team")),
            },
            "signature of other content": {
                "event": consent_json(later, "website-team"),
                "sig": PRODUCER_SIGNER.sign(consent_json("2026-07-01T10:00:00+02:00", "website-team")),
            },
            "not allowed for consent": {
                "event": consent_json(later, "nieuwsbrief-leverancier"),
                "sig": supplier.sign(consent_json(later, "nieuwsbrief-leverancier")),
            },
            "unknown producer": {"event": consent_json(later, "onbekend"), "sig": supplier.sign("{}")},
            "disabled producer": {
                "event": consent_json(later, "oud-systeem"),
                "sig": supplier.sign(consent_json(later, "oud-systeem")),
            },
        }
        for fields in forged.values():
            r.xadd(CONSENT_STREAM, fields)
        await eventually(
            lambda: r.xlen(DEAD_LETTER_STREAM) == len(forged), what="every forgery dead-lettered"
        )
        reasons = sorted(f[b"reason"].decode() for _, f in r.xrange(DEAD_LETTER_STREAM))
        assert reasons == sorted(["unauthenticated_producer"] * 5 + ["producer_not_allowed"])
        assert ledger.store.count_entries() == 1
        answer = ledger.store.consent_fact(pseudonym, NEWS, "werkcorporatie")
        assert answer is not None and answer[0].event_type == "consent.refused"  # still no
        refused = ledger.metrics.registry.get_sample_value(
            "ledger_events_dead_lettered_total", {"reason": "unauthenticated_producer"}
        )
        assert refused == 5


def consent_json(occurred_at: str, producer: str) -> str:

    body = consent("given", VALID_BSN, NEWS, occurred_at, method="web")
    return json.dumps(
        {**body, "producer": producer, "event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, producer))}
    )


def test_the_systems_own_event_types_are_never_granted_to_an_outside_producer():
    """Issue 28 item 5: a grant of 'consent.*' or '*' does not cover what only the notifier, the
    expiry scheduler or the operator's commands record; an internal producer still may."""
    from consent_ledger.app.internal_producers import INTERNAL_PRODUCERS
    from consent_ledger.app.producers import ProducerRecord, system_owner

    now = datetime.now(UTC)
    for patterns in (("consent.*",), ("*",), ("consent.recipient-notified", "consent.expired")):
        outside = ProducerRecord("website-team", "ed25519:x", patterns, ("*",), now)
        for own in (
            "consent.recipient-notified",
            "consent.expired",
            "dead-letter.dropped",
            "phone.disclosure-decided",
        ):
            assert not outside.may_publish(own, "werkcorporatie"), (patterns, own)
    assert ProducerRecord("website-team", "ed25519:x", ("consent.*",), ("*",), now).may_publish(
        "consent.withdrawn", "werkcorporatie"
    )
    for producer_id, patterns in INTERNAL_PRODUCERS.items():
        internal = ProducerRecord(producer_id, "ed25519:x", patterns, ("*",), now)
        owned = [
            t
            for t in ("consent.recipient-notified", "consent.expired", "dead-letter.dropped")
            if system_owner(t) == producer_id
        ]
        assert all(internal.may_publish(t, "werkcorporatie") for t in owned)


def test_producers_add_refuses_the_systems_own_types_and_ids(ledger_env):
    from tests.system.test_cli import run

    for args, said in (
        (["--type", "consent.expired"], "never granted"),
        (["--type", "consent.recipient-notified"], "never granted"),
    ):
        refused = run(
            ["producers", "add", "website-team", *args, "--controller", "werkcorporatie"], ledger_env
        )
        assert refused.returncode != 0 and said in refused.stderr, refused.stderr
    taken = run(["producers", "add", "notifier", "--type", "consent.*", "--controller", "*"], ledger_env)
    assert taken.returncode != 0 and "own producers" in taken.stderr

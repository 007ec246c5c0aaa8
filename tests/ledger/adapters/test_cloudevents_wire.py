"""CloudEvents over Redis, through the real consumer: a producer publishes in the NL GOV profile,
signed in the stream field `sig` or in the attribute `ledgersig`, and sees it appended; the same
event sent again in the ledger's own envelope is a repeat, not a conflict; a forged one is
dead-lettered with its reason."""

from __future__ import annotations

import json

from ledger_contracts.cloudevents import CE_SIGNATURE_ATTRIBUTE, to_cloudevent
from ledger_contracts.signing import ProducerSigner
from ledger_contracts.streams import CONSENT_STREAM, DEAD_LETTER_STREAM, DISCLOSURE_STREAM

from tests.support.factories import PRODUCER_SIGNER, consent, disclosure, signed
from tests.support.harness import eventually, running_ledger, settings_for

OIN = "oin:00000001823288444000"


def dead_letters(r) -> list[dict]:  # type: ignore[no-untyped-def]
    return [{k.decode(): v.decode() for k, v in f.items()} for _, f in r.xrange(DEAD_LETTER_STREAM)]


async def test_cloudevents_on_the_streams_are_appended_as_events(redis_client, database_url, tmp_path):
    r = redis_client
    async with running_ledger(settings_for(database_url, tmp_path)) as ledger:
        given = consent("given", purpose="newsletter-subscription", method="web")
        ce = to_cloudevent(given, OIN)
        r.xadd(CONSENT_STREAM, signed(json.dumps(ce)))  # signed in the stream field `sig`
        embedded = to_cloudevent(disclosure(), OIN)
        embedded[CE_SIGNATURE_ATTRIBUTE] = PRODUCER_SIGNER.sign(embedded)
        r.xadd(DISCLOSURE_STREAM, {"event": json.dumps(embedded)})  # signed in `ledgersig`
        await eventually(lambda: ledger.store.count_entries() == 2, what="both CloudEvents appended")

        pseudonym = ledger.pseudonyms.pseudonym(given["data"]["subject"]["bsn"])
        fact = ledger.store.consent_fact(pseudonym, "newsletter-subscription", "werkcorporatie")
        assert fact is not None and fact[0].event_type == "consent.given"

        # the same event in the ledger's own envelope: a repeat, recorded once
        r.xadd(CONSENT_STREAM, signed(given))
        forged = dict(ce, controller="gemeente-arnhem")
        r.xadd(CONSENT_STREAM, {"event": json.dumps(forged), "sig": ProducerSigner.generate().sign(forged)})
        with_subject = dict(to_cloudevent(consent("given", method="web"), OIN), subject="999990342")
        r.xadd(CONSENT_STREAM, signed(json.dumps(with_subject)))
        await eventually(lambda: len(dead_letters(r)) == 2, what="two refusals")
        assert ledger.store.count_entries() == 2
        assert ledger.metrics.duplicates._value.get() >= 1  # noqa: SLF001
        reasons = sorted(d["reason"] for d in dead_letters(r))
        assert reasons == ["unauthenticated_producer", "validation_failed"]
        refused = next(d for d in dead_letters(r) if d["reason"] == "validation_failed")
        assert refused["detail"].startswith("subject: ") and "999990342" not in json.dumps(refused)

"""CloudEvents over HTTP (`POST /v1/events`): structured, binary and batch modes, each event screened
as the consumer screens it, refused at once with the dead-letter reason the broker path would give,
answered 202 only once on its stream, then appended by the real consumer; a batch is all or nothing.
Real Redis and the database of each backend; the HTTP app in-process."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
from consent_ledger.app.producers import ProducerRecord
from consent_ledger.bootstrap.api import build_api
from ledger_contracts.cloudevents import CE_SIGNATURE_ATTRIBUTE, to_cloudevent
from ledger_contracts.signing import ProducerSigner
from ledger_contracts.streams import CONSENT_STREAM, DEAD_LETTER_STREAM, DISCLOSURE_STREAM

from tests.support.factories import PRODUCER_SIGNER, VALID_BSN, consent, disclosure
from tests.support.harness import eventually, running_ledger, settings_for

OIN = "oin:00000001823288444000"
STRUCTURED = {"Content-Type": "application/cloudevents+json"}


def signed_ce(envelope: dict, signer: ProducerSigner = PRODUCER_SIGNER) -> dict:
    ce = to_cloudevent(envelope, OIN)
    return {**ce, CE_SIGNATURE_ATTRIBUTE: signer.sign(ce)}


def client(ledger) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    app = build_api(ledger.settings, ledger).app
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ledger")


async def test_events_over_http_in_each_content_mode(redis_client, database_url, tmp_path):
    r = redis_client
    async with running_ledger(settings_for(database_url, tmp_path)) as ledger, client(ledger) as web:
        # structured mode
        one = signed_ce(disclosure())
        answer = await web.post("/v1/events", content=json.dumps(one), headers=STRUCTURED)
        assert answer.status_code == 202, answer.text
        [accepted] = answer.json()["accepted"]
        assert (accepted["id"], accepted["stream"]) == (one["id"], DISCLOSURE_STREAM)
        assert r.xrange(DISCLOSURE_STREAM, accepted["entry"], accepted["entry"])  # on the stream

        # binary mode: the attributes in ce-* headers, percent-encoded; the data as the body
        envelope = consent("given", purpose="newsletter-subscription", method="web")
        ce = to_cloudevent(envelope, OIN)
        signature = PRODUCER_SIGNER.sign(ce)
        headers = {
            f"ce-{k}": quote(str(v), safe="") for k, v in ce.items() if k not in ("data", "datacontenttype")
        }
        headers.update({"Content-Type": "application/json", f"ce-{CE_SIGNATURE_ATTRIBUTE}": signature})
        answer = await web.post("/v1/events", content=json.dumps(ce["data"]), headers=headers)
        assert answer.status_code == 202, answer.text
        assert answer.json()["accepted"][0]["stream"] == CONSENT_STREAM

        # batch mode
        batch = [signed_ce(disclosure()), signed_ce(disclosure())]
        answer = await web.post(
            "/v1/events",
            content=json.dumps(batch),
            headers={"Content-Type": "application/cloudevents-batch+json"},
        )
        assert answer.status_code == 202 and len(answer.json()["accepted"]) == 2

        await eventually(lambda: ledger.store.count_entries() == 4, what="the four events appended")
        pseudonym = ledger.pseudonyms.pseudonym(envelope["data"]["subject"]["bsn"])
        fact = ledger.store.consent_fact(pseudonym, "newsletter-subscription", "werkcorporatie")
        assert fact is not None and fact[0].event_type == "consent.given"
        assert ledger.metrics.http_events_accepted._value.get() == 4  # noqa: SLF001
        assert r.xlen(DEAD_LETTER_STREAM) == 0


async def test_refusals_over_http_are_the_dead_letter_reasons_and_lose_nothing(
    redis_client, database_url, tmp_path
):
    r = redis_client
    async with running_ledger(settings_for(database_url, tmp_path)) as ledger, client(ledger) as web:
        record = ProducerRecord(
            "nieuwsbrief-leverancier",
            PRODUCER_SIGNER.public_text(),
            ("disclosure.recorded",),
            ("werkcorporatie",),
            datetime.now(UTC),
        )
        ledger.producers.put_producer(record)
        not_allowed = {**consent("given", method="web"), "producer": "nieuwsbrief-leverancier"}
        unsigned = to_cloudevent(disclosure(), OIN)
        cases = [
            (unsigned, 401, "unauthenticated_producer", None),
            (signed_ce(disclosure(), ProducerSigner.generate()), 401, "unauthenticated_producer", None),
            (signed_ce(not_allowed), 403, "producer_not_allowed", None),
            ({**signed_ce(disclosure()), "subject": VALID_BSN}, 422, "validation_failed", "subject"),
            (signed_ce(disclosure(bsn="123456789")), 422, "invalid_bsn", "data.subject"),
        ]
        for ce, status, error, field in cases:
            answer = await web.post("/v1/events", content=json.dumps(ce), headers=STRUCTURED)
            problem = answer.json()
            assert (answer.status_code, problem["error"]) == (status, error), problem
            assert answer.headers["content-type"] == "application/problem+json"
            assert VALID_BSN not in answer.text and "123456789" not in answer.text
            if field:
                assert problem["field"] == field
        for content, headers, status in [
            (b"{not json", STRUCTURED, 400),
            (b"[]", {"Content-Type": "application/cloudevents-batch+json"}, 400),
            (json.dumps(signed_ce(disclosure())).encode(), {"Content-Type": "text/plain"}, 415),
            (json.dumps(disclosure()).encode(), {"Content-Type": "application/json"}, 415),
        ]:
            answer = await web.post("/v1/events", content=content, headers=headers)
            assert answer.status_code == status, answer.text

        # a batch with one bad event: all refused, the bad one named by its place, nothing published
        batch = [signed_ce(disclosure()), signed_ce(disclosure(), ProducerSigner.generate())]
        answer = await web.post(
            "/v1/events",
            content=json.dumps(batch),
            headers={"Content-Type": "application/cloudevents-batch+json"},
        )
        assert answer.status_code == 401
        assert [(x["index"], x["error"]) for x in answer.json()["refusals"]] == [
            (1, "unauthenticated_producer")
        ]
        assert r.xlen(DISCLOSURE_STREAM) == 0 and r.xlen(CONSENT_STREAM) == 0
        assert ledger.store.count_entries() == 0
        counted = {
            s.labels["reason"]: s.value
            for m in ledger.metrics.registry.collect()
            for s in m.samples
            if s.name == "ledger_http_events_refused_total"
        }
        assert counted["unauthenticated_producer"] == 3

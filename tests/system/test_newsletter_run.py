"""Done-when of consent: a newsletter run through the client against `consent-ledger up` mails
exactly those with valid consent; a withdrawal in the middle of the run is honoured by every
later query; and the withdrawal notice to the supplier is on the ledger."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import redis
from consent_platform.demo import make_bsn
from ledger_contracts.client import AsyncConsentClient, ConsentApiError, ConsentClient
from ledger_contracts.streams import CONSENT_STREAM

from tests.conftest import wait_until
from tests.support.factories import consent, eid
from tests.system.test_cli import run

EXAMPLE = Path(__file__).parents[2] / "contracts" / "examples" / "newsletter_run.py"
NEWS = "newsletter-subscription"


def _example():
    spec = importlib.util.spec_from_file_location("newsletter_run", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def token(env, client: str, *scopes: str) -> str:
    asked = [a for s in scopes for a in ("--scope", s)]
    added = run(["clients", "add", client, *asked, "--controller", "werkcorporatie"], env)
    assert added.returncode == 0, added.stderr
    return added.stdout.strip()


def test_a_newsletter_run_mails_exactly_those_with_valid_consent(up):
    env, base = up
    news, audit = token(env, "nieuwsbrief", "consent:check"), token(env, "accountant", "consent:history")
    rng = random.Random(11)
    subscribers = list(dict.fromkeys(make_bsn(rng) for _ in range(60)))[:40]
    given, refused = subscribers[:25], subscribers[25:32]  # the last 8 never answered the opt-in
    r = redis.Redis.from_url(Path(env["LEDGER_HOME"], "redis.url").read_text().strip())
    for bsn in given:
        r.xadd(CONSENT_STREAM, {"event": json.dumps(consent("given", bsn, NEWS, method="web"))})
    for bsn in refused:
        r.xadd(CONSENT_STREAM, {"event": json.dumps(consent("refused", bsn, NEWS, method="web"))})
    withdrawn = given[-3]  # in the second batch of the run
    with ConsentClient(base, news) as probe:
        wait_until(lambda: len(probe.mailable(subscribers)) == 25, what="the opt-ins on the ledger")

    sent: list[str] = []

    def send(bsn: str) -> None:
        sent.append(bsn)
        if len(sent) == 10:  # the person unsubscribes while the run is under way
            now = datetime.now(UTC).isoformat()
            withdrawal = consent("withdrawn", withdrawn, NEWS, now, "unsubscribe-1")
            r.xadd(CONSENT_STREAM, {"event": json.dumps(withdrawal)})
            with ConsentClient(base, news) as probe:
                wait_until(lambda: not probe.allowed(withdrawn), what="the withdrawal on the ledger")

    mailed = _example().newsletter_run(base, news, subscribers, send, batch_size=20)
    assert mailed == sent == [b for b in given if b != withdrawn]  # exactly those, in order

    with ConsentClient(base, news) as later:  # every later query honours it
        assert not later.allowed(withdrawn) and withdrawn not in later.mailable(subscribers)
        try:
            later.history(withdrawn)
            raise AssertionError("the newsletter client may ask yes/no and nothing more")
        except ConsentApiError as exc:
            assert (exc.status, exc.error) == (403, "missing-scope")

    def notice() -> dict | None:
        with ConsentClient(base, audit) as auditor:
            entries = auditor.history(withdrawn)["entries"]
        return next((e for e in entries if e["event_type"] == "consent.recipient-notified"), None)

    wait_until(lambda: notice() is not None, what="the supplier's notice on the ledger")
    recorded = notice()
    assert recorded["data"]["recipient"]["party_id"] == "comsi" and recorded["data"]["cause"] == "withdrawn"
    assert recorded["data"]["consent_event_id"] == eid("unsubscribe-1")
    delivered = [json.loads(f[b"event"]) for _, f in r.xrange("ledger.notices.comsi")]
    assert [d["data"]["consent_event_id"] for d in delivered] == [eid("unsubscribe-1")]
    assert {(d["specversion"], d["type"]) for d in delivered} == {
        ("1.0", "nl.consent-ledger.consent.ended-notice.v1")
    }
    assert delivered[0]["id"] == recorded["event_id"]  # the notice and its record on the ledger share the id
    assert withdrawn not in json.dumps(delivered)  # the supplier gets the pseudonym, never the BSN

    example = subprocess.run(  # the documented example, as a program
        [sys.executable, str(EXAMPLE)],
        input="\n".join(subscribers),
        env={**env, "LEDGER_URL": base, "LEDGER_TOKEN": news},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert example.returncode == 0, example.stderr
    assert example.stdout.split() == mailed
    verified = run(["verify"], env)
    assert verified.returncode == 0 and "intact" in verified.stdout


async def test_the_async_client_answers_alike(up):
    env, base = up
    news = token(env, "nieuwsbrief", "consent:check")
    bsn = make_bsn(random.Random(5))
    r = redis.Redis.from_url(Path(env["LEDGER_HOME"], "redis.url").read_text().strip())
    r.xadd(CONSENT_STREAM, {"event": json.dumps(consent("given", bsn, NEWS, method="web"))})
    async with AsyncConsentClient(base, news) as client:
        for _ in range(600):
            if await client.allowed(bsn):
                break
            await asyncio.sleep(0.05)
        assert await client.mailable([bsn, "100000009"]) == [bsn]
    async with AsyncConsentClient(base, "lc.nieuwsbrief.wrong") as wrong:
        try:
            await wrong.mailable([bsn])
            raise AssertionError("a wrong token must not get an answer")
        except ConsentApiError as exc:
            assert (exc.status, exc.error) == (401, "unknown-token")

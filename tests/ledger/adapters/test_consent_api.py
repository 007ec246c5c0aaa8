"""The consent questions on the real ledger consumer, a real Redis and SQLite or PostgreSQL:
order-independent state, as-of, bulk, history, scopes, refusals, and expiry by itself."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest
from consent_ledger.adapters.chores.expiry import ExpiryScheduler
from consent_ledger.app.internal_producers import internal_signer
from consent_ledger.bootstrap.api import build_api
from ledger_contracts.streams import CONSENT_STREAM

from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.factories import OTHER_BSN, VALID_BSN, consent, eid, signed
from tests.support.harness import eventually, running_ledger, settings_for

THIRD_BSN = "100000009"  # passes the elfproef; never given consent
LEAVING_BSN, LAPSED_BSN = "111222333", "123456782"  # pass the elfproef
NEWS = "newsletter-subscription"


def publish(r, events) -> None:
    for e in events:
        r.xadd(CONSENT_STREAM, signed(e))


@pytest.fixture
async def api(redis_client, database_url, tmp_path):
    async with running_ledger(settings_for(database_url, tmp_path)) as ledger:
        app = build_api(ledger.settings, ledger).app
        now = datetime.now(UTC)
        tokens = {
            "news": ledger.clients.add("nieuwsbrief", ["consent:check"], now, ["werkcorporatie"]),
            "web": ledger.clients.add("website", ["consent:status"], now, ["werkcorporatie"]),
            "audit": ledger.clients.add("accountant", ["consent:history"], now, ["werkcorporatie"]),
            "prometheus": ledger.clients.add("prometheus", ["metrics:read"], now),
        }
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://ledger") as http:
            yield ledger, http, tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def story(bsn: str, tag: str) -> list[dict]:
    """Given in January, withdrawn in April, renewed in May: the same events for any order."""
    return [
        consent("given", bsn, NEWS, "2026-01-10T10:00:00+01:00", f"{tag}-given", method="web"),
        consent("withdrawn", bsn, NEWS, "2026-04-01T10:00:00+02:00", f"{tag}-withdrawn"),
        consent(
            "renewed",
            bsn,
            NEWS,
            "2026-05-01T10:00:00+02:00",
            f"{tag}-renewed",
            method="paper-form",
            notice_version="privacyverklaring-2026-04",
            valid_until="2027-05-01T00:00:00+02:00",
        ),
    ]


async def test_state_by_event_time_as_of_and_scopes(api, redis_client):
    ledger, http, tok = api
    first, second = story(VALID_BSN, "a"), story(OTHER_BSN, "b")
    shuffled = second[::-1] + [second[0]]  # reversed, and the grant delivered twice
    publish(redis_client, first + shuffled)
    await eventually(lambda: ledger.store.count_entries() == 6, what="6 consent entries")

    async def ask(bsn: str, token: str, **extra) -> httpx.Response:
        body = {"subject": {"bsn": bsn}, "purpose": NEWS, **extra}
        return await http.post("/v1/consents/query", json=body, headers=auth(token))

    a, b = (await ask(VALID_BSN, tok["web"])).json(), (await ask(OTHER_BSN, tok["web"])).json()
    assert (a["allowed"], a["reason"], a["state"]) == (True, "renewed", "dpv:RenewedConsentGiven")
    assert (b["allowed"], b["reason"], b["record"]["event_id"]) == (True, "renewed", eid("b-renewed"))
    assert a["record"]["event_id"] == eid("a-renewed") and a["record"]["chain"] == "werkcorporatie"

    march = (await ask(OTHER_BSN, tok["web"], as_of="2026-03-01T12:00:00+01:00")).json()
    assert (march["allowed"], march["reason"], march["record"]["event_id"]) == (True, "given", eid("b-given"))
    april = (await ask(OTHER_BSN, tok["web"], as_of="2026-04-15T12:00:00+02:00")).json()
    assert (april["allowed"], april["state"]) == (False, "dpv:ConsentWithdrawn")
    before = (await ask(OTHER_BSN, tok["web"], as_of="2025-12-31T12:00:00+01:00")).json()
    assert (before["allowed"], before["reason"]) == (False, "no-consent-record")

    yes_no = (await ask(VALID_BSN, tok["news"])).json()  # the newsletter client: yes or no, nothing more
    assert yes_no["allowed"] is True and not {"reason", "state", "record"} & yes_no.keys()
    nobody = (await ask(THIRD_BSN, tok["web"])).json()
    assert (nobody["allowed"], nobody["reason"]) == (False, "no-consent-record")  # fail closed

    history = await http.post(
        "/v1/consents/history", json={"subject": {"bsn": OTHER_BSN}}, headers=auth(tok["audit"])
    )
    entries = history.json()["entries"]
    assert [e["event_id"] for e in entries] == [
        eid("b-renewed"),
        eid("b-withdrawn"),
        eid("b-given"),
    ]  # ledger order
    renewed = entries[0]["data"]
    assert renewed["notice_version"] == "privacyverklaring-2026-04" and renewed["method"] == "paper-form"
    assert "bsn" not in history.text and VALID_BSN not in history.text


async def test_bulk_answers_in_order_and_refusals_name_their_reason(api, redis_client):
    ledger, http, tok = api
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    publish(
        redis_client,
        story(VALID_BSN, "a")[:1]
        + [consent("refused", OTHER_BSN, NEWS, event_id="r1", method="web")]
        + story(LEAVING_BSN, "l")[:1]  # given in January, a withdrawal dated next month: still yes
        + [consent("withdrawn", LEAVING_BSN, NEWS, later, "l-withdrawn")]
        + [
            consent(
                "given",
                LAPSED_BSN,
                NEWS,
                "2026-01-05T09:00:00Z",
                "x1",
                method="web",
                valid_until="2026-02-01T00:00:00Z",
            )
        ],
    )
    await eventually(lambda: ledger.store.count_entries() == 5, what="5 entries")
    pseudonym = ledger.pseudonyms.pseudonym(VALID_BSN)
    body = {"purpose": NEWS, "subjects": [OTHER_BSN, pseudonym, THIRD_BSN, VALID_BSN]}
    bulk = (await http.post("/v1/consents/bulk", json=body, headers=auth(tok["news"]))).json()
    assert (bulk["allowed"], bulk["count_allowed"]) == ([False, True, False, True], 2)
    edges = {"purpose": NEWS, "subjects": [LEAVING_BSN, LAPSED_BSN]}
    edge = (await http.post("/v1/consents/bulk", json=edges, headers=auth(tok["news"]))).json()
    assert edge["allowed"] == [True, False]  # the future withdrawal not yet; the lapsed grant expired

    refusals = [
        (await http.post("/v1/consents/bulk", json=body), 401, "no-credentials"),
        (
            await http.post("/v1/consents/bulk", json=body, headers=auth("lc.nieuwsbrief.guess")),
            401,
            "unknown-token",
        ),
        (
            await http.post(
                "/v1/consents/history", json={"subject": {"bsn": VALID_BSN}}, headers=auth(tok["news"])
            ),
            403,
            "missing-scope",
        ),
        (await http.get(f"/v1/consents/{VALID_BSN}/{NEWS}", headers=auth(tok["news"])), 400, "bsn-in-url"),
        (
            await http.post(
                "/v1/consents/bulk",
                json={**body, "subjects": [VALID_BSN, "123456789"]},
                headers=auth(tok["news"]),
            ),
            422,
            "invalid-subject",
        ),
    ]
    for response, status, reason in refusals:
        assert (response.status_code, response.json()["error"]) == (status, reason)
    too_many = await http.post(
        "/v1/consents/bulk", json={**body, "subjects": [VALID_BSN] * 10_001}, headers=auth(tok["news"])
    )
    assert too_many.status_code == 422
    ledger.clients.disable("nieuwsbrief", datetime.now(UTC))
    gone = await http.post("/v1/consents/bulk", json=body, headers=auth(tok["news"]))
    assert (gone.status_code, gone.json()["error"]) == (401, "disabled")

    assert (await http.get("/metrics")).status_code == 401  # client names are not for everyone
    assert (await http.get("/metrics", headers=auth(tok["web"]))).status_code == 403
    metrics = (await http.get("/metrics", headers=auth(tok["prometheus"]))).text
    assert 'ledger_consent_queries_total{answer="true",client="nieuwsbrief",endpoint="bulk"} 3.0' in metrics
    assert 'ledger_consent_queries_total{answer="false",client="nieuwsbrief",endpoint="bulk"} 3.0' in metrics
    assert 'ledger_consent_query_refused_total{reason="missing-scope"} 2.0' in metrics


async def test_expiry_runs_by_itself_and_is_recorded_once(api, redis_client):
    ledger, http, tok = api
    until = datetime(2026, 6, 1, tzinfo=UTC)
    grant = consent(
        "given", VALID_BSN, "photo-website", "2026-03-01T09:00:00+01:00", "g1", valid_until=until.isoformat()
    )
    publish(redis_client, [grant])
    await eventually(lambda: ledger.store.count_entries() == 1, what="the grant")
    clock = [until - timedelta(seconds=1)]
    signer = internal_signer(ledger.kek, "ledger-expiry")
    scheduler = ExpiryScheduler(
        ledger.store, ledger.redis, ledger.metrics, clock=lambda: clock[0], signer=signer
    )
    assert await scheduler.tick() == 0  # not yet due
    clock[0] = until
    assert await scheduler.tick() == 1
    assert await scheduler.tick() == 0  # on its way: not published twice
    await eventually(lambda: ledger.store.count_entries() == 2, what="the expiry recorded")
    assert await scheduler.tick() == 0 and ledger.store.expiring(until) == []
    history = await http.post(
        "/v1/consents/history", json={"subject": {"bsn": VALID_BSN}}, headers=auth(tok["audit"])
    )
    expired = history.json()["entries"][-1]
    assert (expired["event_type"], expired["occurred_at"], expired["state"]) == (
        "consent.expired",
        "2026-06-01T00:00:00Z",  # at the valid-until, not when the scheduler noticed
        "dpv:ConsentExpired",
    )
    status = await http.get(
        f"/v1/consents/{ledger.pseudonyms.pseudonym(VALID_BSN)}/photo-website", headers=auth(tok["web"])
    )
    assert (status.json()["allowed"], status.json()["record"]["event_type"]) == (False, "consent.expired")


async def test_permutations_of_the_same_events_answer_alike_on_the_store(api, redis_client):
    """Delivery order through the real consumer does not change any answer."""
    ledger, http, tok = api
    events = story(VALID_BSN, "p") + [
        consent("revoked", VALID_BSN, NEWS, "2026-06-01T10:00:00+02:00", "p-revoked", revoked_by="rechtbank")
    ]
    order = events[:]
    random.Random(7).shuffle(order)
    publish(redis_client, order)
    await eventually(lambda: ledger.store.count_entries() == 4, what="4 entries")
    answer = (
        await http.post(
            "/v1/consents/query",
            json={"subject": {"bsn": VALID_BSN}, "purpose": NEWS},
            headers=auth(tok["web"]),
        )
    ).json()
    assert (answer["allowed"], answer["state"], answer["record"]["event_id"]) == (
        False,
        "dpv:ConsentRevoked",
        eid("p-revoked"),
    )


async def test_a_read_after_the_database_dropped_its_connections_still_answers(
    api, redis_client, database_url
):
    """The read pool has no pre-ping: a dropped connection is retried once on a fresh one."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a server-side disconnect needs PostgreSQL")
    ledger, http, tok = api
    publish(redis_client, story(VALID_BSN, "a")[:1])
    await eventually(lambda: ledger.store.count_entries() == 1, what="1 entry")
    path = f"/v1/consents/{ledger.pseudonyms.pseudonym(VALID_BSN)}/{NEWS}"
    assert (await http.get(path, headers=auth(tok["web"]))).json()["allowed"] is True
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            (database_url.rsplit("/", 1)[1],),
        ).fetchone()
    assert dropped and dropped[0] >= 1
    again = await http.get(path, headers=auth(tok["web"]))
    assert (again.status_code, again.json()["reason"]) == (200, "given")


async def test_a_consent_answers_only_the_controller_it_was_given_to(api, redis_client):
    """Issue 28 item 1: a grant on werkkrachtcentrale's chain is no grant for werkcorporatie; a
    client asks for its own controller(s) only, singly, in bulk and for the history."""
    ledger, http, tok = api
    given = consent("given", VALID_BSN, NEWS, event_id="wkc-given", method="web")
    given["controller"] = "werkkrachtcentrale"
    publish(redis_client, [given])
    await eventually(lambda: ledger.store.count_entries() == 1, what="the grant at werkkrachtcentrale")
    now = datetime.now(UTC)
    wkc = ledger.clients.add("wkc-nieuwsbrief", ["consent:status"], now, ["werkkrachtcentrale"])
    both = ledger.clients.add(
        "beide", ["consent:check", "consent:history"], now, ["werkcorporatie", "werkkrachtcentrale"]
    )
    none = ledger.clients.add("niemand", ["consent:check"], now)
    asked = {"subject": {"bsn": VALID_BSN}, "purpose": NEWS}

    async def ask(token: str, path: str = "/v1/consents/query", **extra) -> httpx.Response:
        return await http.post(path, json={**asked, **extra}, headers=auth(token))

    mine = (await ask(tok["news"])).json()
    assert (mine["allowed"], mine["controller"]) == (False, "werkcorporatie")
    theirs = (await ask(wkc)).json()
    assert (theirs["allowed"], theirs["controller"], theirs["record"]["chain"]) == (
        True,
        "werkkrachtcentrale",
        "werkkrachtcentrale",
    )
    other = await ask(tok["news"], controller="werkkrachtcentrale")
    assert (other.status_code, other.json()["error"]) == (403, "controller-not-allowed")
    unnamed = await ask(both)
    assert (unnamed.status_code, unnamed.json()["error"]) == (403, "controller-required")
    assert (await ask(both, controller="werkkrachtcentrale")).json()["allowed"] is True
    assert (await ask(both, controller="werkcorporatie")).json()["allowed"] is False
    untied = await ask(none)
    assert (untied.status_code, untied.json()["error"]) == (403, "controller-not-allowed")

    bulk = {"purpose": NEWS, "subjects": [VALID_BSN]}
    news_bulk = await http.post("/v1/consents/bulk", json=bulk, headers=auth(tok["news"]))
    assert (news_bulk.json()["allowed"], news_bulk.json()["controller"]) == ([False], "werkcorporatie")
    both_bulk = await http.post(
        "/v1/consents/bulk", json={**bulk, "controller": "werkkrachtcentrale"}, headers=auth(both)
    )
    assert both_bulk.json()["allowed"] == [True]
    pseudonym = theirs["subject"]
    path = f"/v1/consents/{pseudonym}/{NEWS}"
    assert (await http.get(path, headers=auth(tok["news"]))).json()["allowed"] is False
    assert (await http.get(path, params={"controller": "werkkrachtcentrale"}, headers=auth(both))).json()[
        "allowed"
    ]
    history = await http.post(
        "/v1/consents/history", json={"subject": {"bsn": VALID_BSN}}, headers=auth(tok["audit"])
    )
    assert history.json()["entries"] == []  # the accountant of werkcorporatie sees none of it

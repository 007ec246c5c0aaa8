"""The subject's rights and the register over HTTP, served by uvicorn on a real port, on SQLite
and PostgreSQL and a real Redis, against the seed registers and a clock the test sets: requests
taken by the desk, decided by the privacy officer with their grounds, legal holds, restriction,
the access report with its receipt bundle, the register published and its violations read.
Each scope admits only its own uses, and every use that acts on a subject is on the chain
naming the client."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
import uvicorn
from consent_ledger.adapters.metrics import LedgerMetrics
from consent_ledger.app.consent_query import ConsentQuery
from consent_ledger.core.audit import verify_receipts
from ledger_contracts.vocabulary import SubjectRight

from tests.support.factories import OTHER_BSN, VALID_BSN, consent, disclosure
from tests.support.privacy_world import DAY, REGISTERS, T0, World, lifecycle
from tests.system.test_cli import free_port

SCOPES = {
    "balie": ["subject:access"],
    "privacy-officer": ["subject:erasure"],
    "register-beheer": ["register:admin"],
    "accountant": ["ledger:audit"],
    "nieuwsbrief": ["consent:check"],
}


@dataclass
class Served:
    world: World
    http: httpx.AsyncClient
    tokens: dict[str, str]
    metrics: LedgerMetrics

    async def post(self, who: str, path: str, **kw: object) -> httpx.Response:
        return await self.http.post(path, headers=_auth(self.tokens.get(who)), **kw)  # type: ignore[arg-type]

    async def get(self, who: str, path: str, **kw: object) -> httpx.Response:
        return await self.http.get(path, headers=_auth(self.tokens.get(who)), **kw)  # type: ignore[arg-type]

    def entries(self, chain: str = "werkcorporatie") -> list[dict]:
        return [json.loads(e.body)["event"] for e in self.world.store.iter_entries(chain)]


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
async def served(database_url: str, tmp_path: Path, redis_client) -> AsyncIterator[Served]:
    world = World(database_url, tmp_path / "home")
    ledger, app = world.http_api()
    clients, metrics = ledger.clients, ledger.metrics
    tokens = {name: clients.add(name, scopes, T0, ["werkcorporatie"]) for name, scopes in SCOPES.items()}
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # raises why it could not start
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            yield Served(world, http, tokens, metrics)
    finally:
        server.should_exit = True
        await serving
        await ledger.redis.aclose()
        world.store.dispose()


def _photo_consent_and_a_case() -> list[dict]:
    return [
        lifecycle("case.started", "werkcorporatie", "re-integratietraject", T0),
        disclosure(occurred_at=T0.isoformat()),
        consent(occurred_at=T0.isoformat()),  # photo consent: website-en-social-media, basis a
    ]


async def test_the_desk_takes_a_request_and_the_privacy_officer_decides_it(served):
    s = served
    s.world.add(*_photo_consent_and_a_case())
    s.world.clock.at = T0 + 10 * DAY
    asked = {"subject": {"bsn": VALID_BSN}, "controller": "werkcorporatie", "right": "erasure"}

    assert (await s.post(None, "/v1/subjects/requests", json=asked)).status_code == 401
    for other in ("balie", "nieuwsbrief", "register-beheer"):  # erasure is the privacy officer's scope
        refused = await s.post(other, "/v1/subjects/requests", json=asked)
        assert (refused.status_code, refused.json()["error"]) == (403, "missing-scope")
    taken = await s.post(
        "privacy-officer", "/v1/subjects/requests", json={**asked, "employee": "medewerker-17"}
    )
    assert taken.status_code == 201, taken.text
    request = taken.json()
    assert (request["received_on"], request["due_on"]) == ("2026-03-12", "2026-04-12")
    assert request["subject"] == s.world.pseudonyms.pseudonym(VALID_BSN) and VALID_BSN not in taken.text
    listed = await s.get("balie", "/v1/subjects/requests", params={"open": "true"})
    assert [r["request_id"] for r in listed.json()] == [request["request_id"]]

    rid = request["request_id"]
    decided = await s.post(
        "privacy-officer", f"/v1/subjects/requests/{rid}/erasure", json={"note": "Zie brief"}
    )
    assert decided.status_code == 200, decided.text
    d = decided.json()
    assert d["outcome"] == "partly-granted" and d["keys_destroyed"] == 1
    grounds = {g["activity"]: g for g in d["grounds"]}
    assert (grounds["website-en-social-media"]["outcome"], grounds["website-en-social-media"]["reason"]) == (
        "erased",
        "consent-basis",
    )
    kept = grounds["re-integratietraject"]
    assert (kept["outcome"], kept["reason"]) == ("kept", "processing-ongoing")
    assert kept["statute"].startswith("participatiewet art.")
    again = await s.post("privacy-officer", f"/v1/subjects/requests/{rid}/erasure", json={})
    assert (again.status_code, again.json()["error"]) == (409, "already-decided")
    unknown = await s.post(
        "privacy-officer", "/v1/subjects/requests/0f0e5a4c-2b7d-4c1e-9a3b-5d6e7f809a1b/erasure", json={}
    )
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown-request")

    # on the chain: who took it and who decided it, as the API client (and the employee)
    by_type = {e["event_type"]: e for e in s.entries()}
    assert by_type["subject.request-received"]["data"]["received_by"] == "api.privacy-officer.medewerker-17"
    assert by_type["subject.request-decided"]["data"]["decided_by"] == "api.privacy-officer"
    assert by_type["subject.erased"]["data"]["cause"] == "request"
    uses = s.metrics.scope_uses.labels(client="privacy-officer", scope="subject:erasure")
    assert uses._value.get() == 4  # taken, decided, decided again, unknown: refused after the scope check too

    # a legal hold stops the retention run; lifted, it no longer does
    held = {
        "subject": {"bsn": VALID_BSN},
        "controller": "werkcorporatie",
        "until": "2030-01-01",
        "reason": "Bezwaarprocedure",
    }
    for wrong, status, error in (
        ({"until": "2026-03-11"}, 422, "hold-ended"),  # the day before the test's today
        ({"until": 0}, 422, "invalid-input"),  # not read as 1 January 1970
        ({"controller": "bakkerij"}, 403, "controller-not-allowed"),  # not the client's organisation
    ):
        refused = await s.post("privacy-officer", "/v1/subjects/holds", json={**held, **wrong})
        assert (refused.status_code, refused.json()["error"]) == (status, error), wrong
    future = await s.post(
        "privacy-officer", "/v1/subjects/requests", json={**asked, "received_on": "2026-03-13"}
    )
    assert (future.status_code, future.json()["error"]) == (422, "received-in-future")
    hold = await s.post("privacy-officer", "/v1/subjects/holds", json=held)
    assert hold.status_code == 201, hold.text
    listed = await s.get("balie", "/v1/subjects/holds")
    assert listed.status_code == 200, listed.text
    assert [(h["hold_id"], h["kind"], h["until"], h["in_force"]) for h in listed.json()] == [
        (hold.json()["hold_id"], "legal-hold", "2030-01-01", True)
    ]
    elsewhere = await s.get("balie", "/v1/subjects/holds", params={"controller": "gemeente-arnhem"})
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (403, "controller-not-allowed")
    assert s.world.rights_reads.holds(request["subject"])[0].until == date(2030, 1, 1)
    lifted = await s.post("privacy-officer", f"/v1/subjects/holds/{hold.json()['hold_id']}/lift", json={})
    assert (lifted.status_code, lifted.json()["state"]) == (200, "lifted")
    twice = await s.post("privacy-officer", f"/v1/subjects/holds/{hold.json()['hold_id']}/lift", json={})
    assert (twice.status_code, twice.json()["error"]) == (404, "unknown-hold")
    assert s.world.rights_reads.holds(request["subject"]) == []


async def test_restriction_makes_consent_answers_no(served):
    s = served
    s.world.add(consent(occurred_at=T0.isoformat(), purpose="newsletter-subscription"))
    me = s.world.pseudonyms.pseudonym(VALID_BSN)
    query = ConsentQuery(s.world.store, s.world.pseudonyms)
    assert query.status(me, "newsletter-subscription", "werkcorporatie", T0 + DAY).status.allowed
    body = {"subject": {"pseudonym": me}, "controller": "werkcorporatie", "right": "restriction"}
    rid = (await s.post("privacy-officer", "/v1/subjects/requests", json=body)).json()["request_id"]
    wrong = await s.post("privacy-officer", f"/v1/subjects/requests/{rid}/erasure", json={})
    assert (wrong.status_code, wrong.json()["error"]) == (409, "wrong-right")
    decided = await s.post("privacy-officer", f"/v1/subjects/requests/{rid}/restriction", json={})
    assert decided.json()["outcome"] == "granted", decided.text
    answer = query.status(me, "newsletter-subscription", "werkcorporatie", T0 + DAY)
    assert (answer.status.allowed, answer.status.reason) == (False, "restricted")


async def test_the_access_report_over_http_verifies_offline(served):
    s = served
    someone_else = disclosure(occurred_at=T0.isoformat())
    someone_else["data"]["subject"] = {"bsn": OTHER_BSN}
    s.world.add(
        lifecycle("case.started", "werkcorporatie", "re-integratietraject", T0),
        disclosure(occurred_at=T0.isoformat()),
        someone_else,
    )
    s.world.clock.at = T0 + DAY
    body = {"subject": {"bsn": VALID_BSN}, "controller": "werkcorporatie", "employee": "medewerker-17"}
    refused = await s.post("privacy-officer", "/v1/subjects/access-report", json=body)
    assert (refused.status_code, refused.json()["error"]) == (403, "missing-scope")
    both = await s.post(
        "balie", "/v1/subjects/access-report", json={**body, "request_id": None, "controller": None}
    )
    assert (both.status_code, both.json()["error"]) == (422, "no-request")

    answered = await s.post("balie", "/v1/subjects/access-report", json=body)
    assert answered.status_code == 200, answered.text
    report = answered.json()
    assert VALID_BSN not in answered.text and OTHER_BSN not in answered.text
    assert report["request"]["outcome"] == "granted" and report["request"]["right"] == "access"
    assert report["entries"] == 3  # the case, the disclosure and this request; not the other resident
    assert "Overzicht van uw persoonsgegevens" in report["html"]
    assert base64.b64decode(report["pdf_base64"]).startswith(b"%PDF-")
    verifiers = [v.verifier() for v in s.world.settings.checkpoint_signers()]
    receipts = verify_receipts(report["receipts"], verifiers)
    assert len(receipts) == len(report["receipts"]["receipts"]) >= 2
    size = report["complete_up_to"]["werkcorporatie"]
    assert answered.headers["ledger-complete-up-to"] == f"werkcorporatie={size}"
    [received, decided] = [
        e for e in s.entries() if e["event_type"] in ("subject.request-received", "subject.request-decided")
    ]
    assert received["data"]["right"] == "access" and decided["data"]["outcome"] == "granted"
    assert received["data"]["received_by"] == decided["data"]["decided_by"] == "api.balie.medewerker-17"

    # an access request taken earlier, answered as PDF; it cannot be answered twice
    other = s.world.pseudonyms.pseudonym(OTHER_BSN)
    rid = s.world.rights.receive(other, "werkcorporatie", SubjectRight.ACCESS, "medewerker-17").request_id
    mine = {"subject": {"bsn": VALID_BSN}, "request_id": rid}
    not_mine = await s.post("balie", "/v1/subjects/access-report", json=mine)
    assert (not_mine.status_code, not_mine.json()["error"]) == (422, "not-about-subject")
    theirs = {"subject": {"bsn": OTHER_BSN}, "request_id": rid}
    pdf = await s.http.post(
        "/v1/subjects/access-report",
        json=theirs,
        headers={**_auth(s.tokens["balie"]), "Accept": "application/pdf"},
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.headers["ledger-request"] == rid
    twice = await s.post("balie", "/v1/subjects/access-report", json=theirs)
    assert (twice.status_code, twice.json()["error"]) == (409, "already-decided")


async def test_the_register_is_published_and_its_violations_read_over_http(served):
    s = served
    original = (REGISTERS / "werkcorporatie.yaml").read_text(encoding="utf-8")
    changed = original.replace("valid_from: 2026-01-01", "valid_from: 2026-02-01", 1)
    assert changed != original
    yaml_type = {"Content-Type": "application/yaml"}

    def publish(who: str, text: str, **params: str) -> object:
        return s.http.post(
            "/v1/registers",
            content=text.encode(),
            params=params,
            headers={**_auth(s.tokens[who]), **yaml_type},
        )

    before = len(s.entries())
    refused = await publish("privacy-officer", changed)
    assert (refused.status_code, refused.json()["error"]) == (403, "missing-scope")
    dry = await publish("register-beheer", changed, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["published"] is False and any("valid_from" in c for c in dry.json()["changes"])
    assert len(s.entries()) == before  # a dry run publishes nothing
    done = (await publish("register-beheer", changed)).json()
    assert done["published"] is True and done["entry"] == before
    published = s.entries()[done["entry"]]
    assert published["event_type"] == "register.published"
    assert published["data"]["published_by"] == "api.register-beheer"
    same = (await publish("register-beheer", changed)).json()
    assert same["published"] is False and same["version"] == done["version"]  # already in force
    listed = await s.get("accountant", "/v1/registers")
    in_force = {r["controller"]: r["version"] for r in listed.json()}
    assert in_force["werkcorporatie"] == done["version"] and len(in_force) == 4

    # what is not a register is refused with its reason, and nothing is published
    alias = "a: &x [1, 2]\nb: *x\n"
    bad = await publish("register-beheer", alias)
    assert (bad.status_code, bad.json()["error"]) == (422, "unreadable-register")
    invalid = await publish(
        "register-beheer", original.replace("controller: werkcorporatie", "controller: 12")
    )
    assert (invalid.status_code, invalid.json()["error"]) == (422, "invalid-register")
    assert "controller" in invalid.json()["detail"]
    plain = await s.http.post(
        "/v1/registers",
        content=b"x",
        headers={**_auth(s.tokens["register-beheer"]), "Content-Type": "text/plain"},
    )
    assert (plain.status_code, plain.json()["error"]) == (415, "unsupported-media-type")
    huge = await publish("register-beheer", "#" * 1_000_001)
    assert (huge.status_code, huge.json()["error"]) == (413, "too-large")
    assert len(s.entries()) == before + 1

    # a disclosure to a recipient category the activity does not list: appended, and listed
    stray = disclosure(
        occurred_at=(T0 + DAY).isoformat(),
        controller="werkcorporatie",
        processing_activity="re-integratietraject",
    )
    stray["data"]["recipient"] = {"party_id": "uwv", "category": "uwv", "name": "UWV"}
    s.world.add(stray)
    for who in ("register-beheer", "accountant"):
        found = await s.get(who, "/v1/violations", params={"since": "2026-01-01T00:00:00+01:00"})
        assert found.status_code == 200, found.text
        assert [v["event_id"] for v in found.json()] == [stray["event_id"]]
        assert found.json()[0]["reason"] == "recipient-category-not-listed"
    assert (await s.get("balie", "/v1/violations")).status_code == 403


async def test_a_client_sees_and_decides_only_its_own_organisation_s_requests(served):
    s = served
    s.world.add(lifecycle("case.started", "gemeente-arnhem", "begeleiding-naar-werk", T0))
    me = s.world.pseudonyms.pseudonym(VALID_BSN)
    theirs = s.world.rights.receive(me, "gemeente-arnhem", SubjectRight.ERASURE, "medewerker-3").request_id
    asked = {"subject": {"bsn": VALID_BSN}, "controller": "gemeente-arnhem", "right": "erasure"}
    taken = await s.post("privacy-officer", "/v1/subjects/requests", json=asked)
    assert (taken.status_code, taken.json()["error"]) == (403, "controller-not-allowed")
    for path in (f"/v1/subjects/requests/{theirs}/erasure", f"/v1/subjects/requests/{theirs}/restriction"):
        decided = await s.post("privacy-officer", path, json={})
        assert (decided.status_code, decided.json()["error"]) == (404, "unknown-request"), path
    seen = await s.get("privacy-officer", f"/v1/subjects/requests/{theirs}")
    assert seen.status_code == 404
    assert (await s.get("privacy-officer", "/v1/subjects/requests")).json() == []
    report = await s.post(
        "balie", "/v1/subjects/access-report", json={"subject": {"bsn": VALID_BSN}, "request_id": theirs}
    )
    assert (report.status_code, report.json()["error"]) == (404, "unknown-request")
    hold = s.world.rights.place_hold(me, "gemeente-arnhem", "legal-hold", "jurist", date(2030, 1, 1))
    lifted = await s.post("privacy-officer", f"/v1/subjects/holds/{hold.hold_id}/lift", json={})
    assert (lifted.status_code, lifted.json()["error"]) == (404, "unknown-hold")
    assert s.world.rights_reads.request(theirs).decided_at is None
    assert (await s.get("balie", "/v1/subjects/holds")).json() == []

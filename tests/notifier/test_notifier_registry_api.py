"""Issue 28 item 16: the notifier's API and register page keep the art. 9(2) grounds and end what
they say ends. A party read and written back keeps its topics' grounds; a management override of
health data names its ground; a person id the ledger cannot take is refused with its reason, not
a 500; the page ends a known person, and their number no longer shows as valid."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from consent_notifier.adapters.app import create_notifier_app
from consent_notifier.app.actors import Actor
from consent_notifier.app.desk import RequestInput
from consent_notifier.core.roles import Role
from starlette.testclient import TestClient

from tests.ledger.adapters.test_http_abuse import PASSWORD, desk, login  # noqa: F401 - desk is a fixture
from tests.notifier.test_notifier_store import KNOWN, pending_payloads


@pytest.fixture
def notifier(desk):  # noqa: F811 - the fixture imported above
    """The notifier of test_http_abuse, with an administrator who logs in and a service token."""
    deps, clock = desk
    deps.credentials.add_user("beheer1", frozenset({Role.ADMINISTRATOR}), PASSWORD)
    token = deps.credentials.add_service("every-role", frozenset(Role))
    app = create_notifier_app(deps)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as api:
        yield deps, clock, api, app


def _ledger_events(deps, event_type: str) -> list[dict]:
    """What the notifier queued for the ledger (CloudEvents), of one ledger event type."""
    events = [json.loads(p) for p in pending_payloads(deps)]
    return [e for e in events if isinstance(e, dict) and f".{event_type}." in str(e.get("type"))]


def test_a_party_written_back_as_read_keeps_its_topics_art9_grounds(notifier):
    deps, _clock, api, _app = notifier
    [uwv] = [p for p in api.get("/api/v1/parties").json() if p["party_id"] == "uwv"]
    grounds = {t["topic"]: t["art9_ground"] for t in uwv["topics"]}
    assert grounds["werkloosheidsuitkering"] == "b"
    written = api.put("/api/v1/parties/uwv", json=uwv)
    assert written.status_code == 200, written.text
    assert written.json() == uwv
    [again] = [p for p in api.get("/api/v1/parties").json() if p["party_id"] == "uwv"]
    assert again == uwv
    # and the ledger is told the same grounds
    [changed] = _ledger_events(deps, "registry.party-changed")[-1:]
    told = {t["topic"]: t["legal_basis"].get("special_category_ground") for t in changed["data"]["topics"]}
    assert told["werkloosheidsuitkering"]["gdpr_article_9_2"] == "b"
    wrong = {**uwv, "topics": [{**uwv["topics"][0], "art9_ground": "z"}]}
    assert api.put("/api/v1/parties/uwv", json=wrong).status_code == 422


@pytest.mark.parametrize("person_id", ["uwv-12345", "uwv:jansen", "Jansen", "111222333", "uwv-06-12345678"])
def test_a_person_id_the_ledger_cannot_take_is_refused_with_its_reason(notifier, person_id):
    _deps, _clock, api, _app = notifier
    body = {"person_id": person_id, "display_name": "J. Jansen"}
    refused = api.post("/api/v1/parties/uwv/persons", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "person_id" and "four digits" in refused.json()["detail"]
    assert (
        api.post("/api/v1/parties/uwv/persons", json={**body, "person_id": "uwv-jansen2"}).status_code == 201
    )


def test_an_override_of_health_data_names_its_art9_ground(notifier):
    deps, _clock, api, _app = notifier
    mdw = Actor("mdw1", frozenset({Role.EMPLOYEE}))
    stored, _ = deps.desk.submit(
        RequestInput(KNOWN, "sociale-dienst", "indiensttreding", ("gezondheid",), None, None, None, "r-9"),
        mdw,
    )
    assert stored.current.verdict == "deny"
    path = f"/api/v1/phone-requests/{stored.request.request_id}/override"
    note = {"note": "De rechter heeft dit bevolen; dossier 2026-17."}
    without = api.post(path, json=note)
    assert (without.status_code, without.json()["field"]) == (422, "gdpr_article_9_2")
    allowed = api.post(path, json={**note, "gdpr_article_9_2": "b", "art9_statute": "Participatiewet art. 7"})
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["decision"] == "allow"
    [decided] = [
        e for e in _ledger_events(deps, "phone.disclosure-decided") if e["data"]["decision"] == "allow"
    ]
    assert decided["data"]["special_category_ground"]["gdpr_article_9_2"] == "b"


def test_the_register_page_ends_a_known_person_and_stops_showing_their_number_valid(notifier):
    deps, clock, _api, app = notifier
    admin = Actor("beheer1", frozenset({Role.ADMINISTRATOR}))
    deps.admin.put_person("uwv-jansen", "uwv", "J. Jansen", admin)
    deps.admin.verify_number("uwv-jansen", "0527 123 456", admin)
    page = TestClient(app)
    assert login(page, "beheer1").status_code == 303
    before = page.get("/register").text
    assert 'data-state="valid"' in before
    csrf = re.search(r'name="csrf" value="([^"]+)"', before).group(1)
    ended = page.post(
        "/register/personen/beeindigen", data={"csrf": csrf, "person_id": "uwv-jansen"}, follow_redirects=True
    )
    assert ended.status_code == 200 and "De persoon is beëindigd" in ended.text
    clock.at += timedelta(seconds=1)
    after = page.get("/register").text
    assert 'data-state="valid"' not in after and 'data-state="person-ended"' in after
    assert "niet geldig: persoon beëindigd" in after and "data-person-ended" in after
    [person] = [p for p in deps.store.persons() if p.person_id == "uwv-jansen"]
    assert person.valid_until is not None and not person.in_force(clock.now())
    assert _ledger_events(deps, "registry.person-changed")[-1]["data"]["valid_until"] is not None
    twice = page.post("/register/personen/beeindigen", data={"csrf": csrf, "person_id": "uwv-jansen"})
    assert twice.status_code in (400, 422)


def test_names_and_notes_are_not_in_the_notifier_s_files_in_the_clear(notifier, tmp_path):
    """Issue 28 item 17: a caller's name and a manager's note reach the ledger, sealed there; in the
    notifier's database (its outbox and its decisions) they are sealed too, in every file of it."""
    deps, _clock, api, _app = notifier
    mdw = Actor("mdw1", frozenset({Role.EMPLOYEE}))
    caller, note = "Pieternella Oudewater-Zeldenrust", "Bevel van de kantonrechter Zwolle, zaaknummer 44"
    stored, _ = deps.desk.submit(
        RequestInput(KNOWN, "sociale-dienst", "indiensttreding", ("naw",), None, None, None, "r-17", caller),
        mdw,
    )
    path = f"/api/v1/phone-requests/{stored.request.request_id}/override"
    assert api.post(path, json={"note": note}).status_code == 200
    # the relay still sends them whole: the events carry the name and the note, for the ledger to seal
    sent = "\n".join(pending_payloads(deps))
    assert caller in sent and note in sent
    files = [p for p in tmp_path.glob("notifier.db*") if p.is_file()]
    assert files
    for f in files:
        raw = f.read_bytes()
        for secret in (caller, note):
            assert secret.encode() not in raw, (f.name, secret)
    # and the manager still reads the note back
    history = api.get(f"/api/v1/phone-requests/{stored.request.request_id}").json()["history"]
    assert [step["note"] for step in history if step["note"]] == [note]

"""Abuse beyond a missing credential: guessing passwords, telling known user names by their timing,
reading a colleague's phone request, bodies too large to read, and metrics naming every client.
The notifier's app runs on a real database; the body limit and /metrics through `up`."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from argon2 import PasswordHasher
from consent_notifier.adapters.app import create_notifier_app
from consent_notifier.app.actors import Actor
from consent_notifier.app.desk import OverrideInput, RequestInput
from consent_notifier.bootstrap import build_notifier
from consent_notifier.config import NotifierSettings
from consent_notifier.core.roles import Role
from prometheus_client import CollectorRegistry
from starlette.testclient import TestClient

from tests.notifier.test_notifier_store import KNOWN, Clock, Directory

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def desk(tmp_path: Path):
    clock = Clock()
    deps = build_notifier(
        NotifierSettings(database_url=f"sqlite:///{tmp_path / 'notifier.db'}"),
        tmp_path,
        Directory(),
        CollectorRegistry(),
        clock,
    )
    admin = Actor("beheer1", frozenset({Role.ADMINISTRATOR}))
    deps.admin.seed(admin)
    for user, role in (("mdw1", Role.EMPLOYEE), ("mdw2", Role.EMPLOYEE), ("directeur1", Role.MANAGEMENT)):
        deps.credentials.add_user(user, frozenset({role}), PASSWORD)
    yield deps, clock
    deps.store.engine.dispose()


def login(client: TestClient, user: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/inloggen", data={"user_id": user, "password": password}, follow_redirects=False)


def test_guessing_passwords_is_slowed_then_locked_out_and_counted(desk):
    deps, clock = desk
    client = TestClient(create_notifier_app(deps))
    answers = [login(client, "mdw1", "wrong password!").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]  # three free tries, then a wait of a second
    throttled = login(client, "mdw1")  # even the right password waits its turn
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert "Te veel mislukte pogingen" in throttled.text
    clock.at += timedelta(seconds=2)
    assert login(client, "mdw1").status_code == 303  # after the wait, the right password gets in
    for _ in range(10):  # ten failures in a row: locked out for a quarter of an hour
        clock.at += timedelta(minutes=6)
        login(client, "mdw1", "wrong password!")
    clock.at += timedelta(minutes=6)
    locked = login(client, "mdw1")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 60
    metrics = deps.metrics.registry.get_sample_value
    assert metrics("notifier_access_refused_total", {"reason": "login-throttled"}) >= 2
    assert metrics("notifier_access_refused_total", {"reason": "bad-credentials"}) >= 10


def test_an_unknown_user_name_costs_the_same_work_as_a_wrong_password(desk):
    deps, _ = desk
    verified: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 - argon2's name
            verified.append(str(hash))
            return super().verify(hash, password)

    deps.credentials.hasher = Counting()
    client = TestClient(create_notifier_app(deps))
    unknown = login(client, "nobody-here", "wrong password!")
    known = login(client, "mdw2", "wrong password!")
    assert unknown.status_code == known.status_code == 401 and unknown.text == known.text
    assert len(verified) == 2 and all(h.startswith("$argon2id$") for h in verified)


def test_a_phone_request_is_read_by_its_employee_and_management_only(desk):
    deps, _ = desk
    mdw1 = Actor("mdw1", frozenset({Role.EMPLOYEE}))
    stored, _ = deps.desk.submit(
        RequestInput(KNOWN, "uwv", "werkloosheidsuitkering", ("uitkering",), None, None, None, "r-own"), mdw1
    )
    app = create_notifier_app(deps)
    path = f"/verzoeken/{stored.request.request_id}"
    for user, status in (("mdw1", 200), ("mdw2", 404), ("directeur1", 200)):
        client = TestClient(app)
        assert login(client, user).status_code == 303
        page = client.get(path)
        assert page.status_code == status, (user, page.status_code)
        api = client.get(f"/api/v1/phone-requests/{stored.request.request_id}")  # with the session cookie
        assert api.status_code == status, (user, api.status_code)


def test_the_page_sends_its_security_headers(desk):
    deps, _ = desk
    page = TestClient(create_notifier_app(deps)).get("/inloggen")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["X-Frame-Options"] == "DENY"


def test_a_large_body_is_refused_before_it_is_read_and_metrics_need_a_scope(up):
    env, base = up
    url = urlparse(base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/consents/bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n"
        )
        started = time.monotonic()
        answer = b""
        while chunk := sock.recv(4096):  # the server closes the connection after its answer
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413") and b"body-too-large" in answer
    assert time.monotonic() - started < 5  # answered without waiting for 50 MB that never came
    chunked = httpx.post(f"{base}/telefoon/inloggen", content=iter([b"x" * 1_000_000] * 10))
    assert chunked.status_code == 413  # no declared length: refused once past the limit
    bulk = {"purpose": "newsletter", "subjects": ["p1-" + "a" * 64] * 10_000}
    fits = httpx.post(f"{base}/v1/consents/bulk", json=bulk)
    assert fits.status_code == 401  # a bulk of 10,000 is read (and then refused for its credential)
    anonymous = httpx.get(f"{base}/metrics")
    assert anonymous.status_code == 401 and "client=" not in anonymous.text
    # headers are bounded too (431), and no redirect is built from the Host a client sends
    heavy = httpx.get(f"{base}/health", headers={f"x-pad-{i}": "y" * 1000 for i in range(20)})
    assert heavy.status_code == 431 and heavy.json()["error"] == "headers-too-large"
    assert httpx.get(f"{base}/health", headers={"x-pad": "y" * 1000}).status_code == 200
    for path in ("/v1/registers/", "/health/", "/telefoon/register/"):
        answer = httpx.get(f"{base}{path}", headers={"Host": "evil.example"})
        assert "evil.example" not in answer.headers.get("location", ""), path
        assert answer.status_code in (401, 404), (path, answer.status_code)
    bare = httpx.get(f"{base}/telefoon", headers={"Host": "evil.example"})
    assert (bare.status_code, bare.headers["location"]) == (307, "/telefoon/")


def test_the_managers_reason_is_shown_to_management_only_and_a_callers_name_is_kept_sealed(desk):
    deps, _ = desk
    mdw1 = Actor("mdw1", frozenset({Role.EMPLOYEE}))
    asked = RequestInput(KNOWN, "bouwbedrijf", "werkloosheidsuitkering", ("uitkering",), request_id="r-other")
    stored, _ = deps.desk.submit(replace(asked, caller_name="P. de Vries"), mdw1)
    assert stored.current.verdict == "deny"
    note = "Directiebesluit 2026-114: werkhervatting"
    override = OverrideInput(note, "werkgever", "Bouwbedrijf Emmeloord", "e")
    deps.desk.override("r-other", override, Actor("directeur1", frozenset({Role.MANAGEMENT})))
    app = create_notifier_app(deps)
    for user, shown in (("mdw1", None), ("directeur1", note)):
        client = TestClient(app)
        assert login(client, user).status_code == 303
        body = client.get("/api/v1/phone-requests/r-other").json()
        assert body["history"][-1]["note"] == shown and body["caller_name"] == "P. de Vries"
    with deps.store.engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT caller_name FROM notifier_phone_request").scalar_one()
    assert kept.startswith("s1:") and "Vries" not in kept  # sealed, bound to its column

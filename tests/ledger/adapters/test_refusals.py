"""One refusal shape across the ledger's and the notifier's APIs: RFC 9457 problem details with
`error` and `field`, and never a value that was sent. Hypothesis sends arbitrary JSON to every
route of both OpenAPI documents, with marked values (a BSN as text and as a JSON number, a phone
number, a word) in path, query, body and as keys; every refusal must be a Problem, and none may
repeat a marked value."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from consent_notifier.adapters.app import create_notifier_app
from consent_notifier.app.actors import Actor
from consent_notifier.bootstrap import build_notifier
from consent_notifier.config import NotifierSettings
from consent_notifier.core.roles import Role
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_contracts.problems import PROBLEM_MEDIA_TYPE, Problem
from prometheus_client import CollectorRegistry
from starlette.testclient import TestClient

from tests.ledger.adapters.test_consent_openapi import ledger_app  # noqa: F401 - a fixture
from tests.notifier.test_notifier_store import Clock, Directory

BSN = "111222333"  # passes the elfproef
MARKED_TEXT = [BSN, "0612345678", "+31612345678", "Zqecho7"]
MARKED = [*MARKED_TEXT, int(BSN), 612345678]
SEEN = re.compile("|".join(re.escape(m) for m in ("111222333", "612345678", "Zqecho7")))


def _routes(app: Any) -> list[tuple[str, str, list[str], list[str], bool]]:
    """(method, path, path parameters, query parameters, takes a body) of every operation."""
    out = []
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            params = op.get("parameters", [])
            named = [p["name"] for p in params if p["in"] == "path"]
            query = [p["name"] for p in params if p["in"] == "query"]
            out.append((method.upper(), path, named, query, "requestBody" in op))
    return out


def _field_names(app: Any) -> list[str]:
    names: set[str] = set()
    for schema in app.openapi().get("components", {}).get("schemas", {}).values():
        names.update(schema.get("properties", {}))
    return sorted(names)


def _json(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    leaves = st.sampled_from(MARKED) | st.booleans() | st.none() | st.just("2026-03-01T12:00:00+01:00")
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=10,
    )


def _request(app: Any) -> st.SearchStrategy[dict[str, Any]]:
    routes = _routes(app)
    keys = st.sampled_from([*_field_names(app), *MARKED_TEXT])

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        method, path, named, query, has_body = draw(st.sampled_from(routes))
        for name in named:
            path = path.replace("{" + name + "}", draw(st.sampled_from(MARKED_TEXT)))
        params = {q: draw(st.sampled_from(MARKED_TEXT)) for q in query if draw(st.booleans())}
        body = draw(st.dictionaries(keys, _json(keys), max_size=6) | _json(keys)) if has_body else None
        return {"method": method, "url": path, "params": params, "json": body}

    return build()


def _assert_refusal_shape(response: Any, sent: dict[str, Any]) -> None:
    if response.status_code < 400:
        return
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE), (sent, response.text)
    problem = Problem.model_validate(response.json())
    assert problem.status == response.status_code and problem.error and problem.detail, response.text
    assert not SEEN.search(response.text), (sent, response.text)


@pytest.fixture
def notifier_app(tmp_path: Path):
    deps = build_notifier(
        NotifierSettings(database_url=f"sqlite:///{tmp_path / 'notifier.db'}"),
        tmp_path,
        Directory(),
        CollectorRegistry(),
        Clock(),
    )
    deps.admin.seed(Actor("beheer1", frozenset({Role.ADMINISTRATOR})))
    token = deps.credentials.add_service("every-role", frozenset(Role))
    yield create_notifier_app(deps), token
    deps.store.engine.dispose()


SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))


def test_the_notifier_refuses_in_one_shape_and_never_repeats_what_was_sent(notifier_app):
    app, token = notifier_app
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:

        @SETTINGS
        @given(_request(app))
        def check(sent: dict[str, Any]) -> None:
            _assert_refusal_shape(client.request(**sent), sent)

        check()


def test_the_ledger_refuses_in_one_shape_and_never_repeats_what_was_sent(ledger_app):  # noqa: F811
    headers = {"Authorization": f"Bearer {ledger_app.state.test_token}"}
    with TestClient(ledger_app, headers=headers) as client:

        @SETTINGS
        @given(_request(ledger_app))
        def check(sent: dict[str, Any]) -> None:
            _assert_refusal_shape(client.request(**sent), sent)

        check()


@pytest.mark.parametrize("which", ["ledger", "notifier"])
def test_a_bsn_sent_as_a_json_number_is_not_echoed(which, ledger_app, notifier_app):  # noqa: F811
    """The case found: FastAPI's own validation answer used to repeat the input."""
    if which == "ledger":
        app, token, url = ledger_app, ledger_app.state.test_token, "/v1/consents/query"
        body: dict[str, Any] = {"subject": {"bsn": int(BSN)}, "purpose": "newsletter"}
    else:
        (app, token), url = notifier_app, "/api/v1/phone-requests"
        body = {"subject": int(BSN), "party_id": "uwv", "topic": "x", "data_categories": ["contact"]}
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.post(url, json=body)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert (problem["error"], problem["field"]) == (
        "invalid-input",
        "subject.bsn" if which == "ledger" else "subject",
    )
    assert BSN not in response.text

"""The published OpenAPI documents of both services are valid OpenAPI 3.1 by the ecosystem's own
validator (openapi-spec-validator), publish their bearer scheme on every operation that asks for
a token, and the answers challenge as RFC 6750 says (issue 31, items 1 and 4)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from consent_notifier.adapters.app import create_notifier_app
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from tests.ledger.adapters.test_http_abuse import desk  # noqa: F401 - a fixture
from tests.support.privacy_world import World


@pytest.fixture
def world(tmp_path: Path):
    w = World(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path / "home")
    yield w
    w.store.dispose()


def _guarded(doc: dict) -> list[tuple[str, str, dict]]:
    """The operations that answer 401: those that ask for a token."""
    return [
        (path, method, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if "401" in op.get("responses", {})
    ]


def test_the_ledger_s_document_is_valid_and_names_its_bearer_scheme(world):
    _, app = world.http_api()
    doc = app.openapi()
    validate(doc)  # raises with the first violation
    [(name, scheme)] = doc["components"]["securitySchemes"].items()
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    guarded = _guarded(doc)
    assert len(guarded) > 10
    otherwise = {  # public, or authenticated by a signature rather than a token
        ("/v1/chains/{chain}/checkpoint", "get"),
        ("/v1/chains/{chain}/proofs/inclusion", "get"),
        ("/v1/chains/{chain}/proofs/consistency", "get"),
        ("/v1/chains/{chain}/cosignatures", "post"),  # the witness's cosignature
        ("/v1/events", "post"),  # the producer's signature
    }
    assert {(p, m) for p, m, op in guarded if op.get("security") != [{name: []}]} == otherwise


def test_the_notifier_s_document_is_valid_and_names_its_bearer_scheme(desk):  # noqa: F811
    deps, _ = desk
    doc = create_notifier_app(deps).openapi()
    validate(doc)
    [(name, scheme)] = doc["components"]["securitySchemes"].items()
    assert scheme["scheme"] == "bearer"
    assert [(p, m) for p, m, op in _guarded(doc) if op.get("security") != [{name: []}]] == []


async def test_the_ledger_challenges_as_rfc_6750_says(world):
    ledger, app = world.http_api()
    token = ledger.clients.add("nieuwsbrief", ["consent:check"], datetime.now(UTC), ["werkcorporatie"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ledger") as web:
        none = await web.post("/v1/chains/werkcorporatie/checkpoints")
        wrong = await web.post(
            "/v1/chains/werkcorporatie/checkpoints", headers={"Authorization": "Bearer lc.nobody.secret"}
        )
        scoped = await web.post(
            "/v1/chains/werkcorporatie/checkpoints", headers={"Authorization": f"Bearer {token}"}
        )
    assert none.status_code == 401 and none.headers["WWW-Authenticate"] == "Bearer"  # none sent: no code
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert scoped.status_code == 403
    challenge = scoped.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer error="insufficient_scope", scope="') and "ledger:audit" in challenge


def test_the_notifier_challenges_as_rfc_6750_says(desk):  # noqa: F811
    deps, _ = desk
    client = TestClient(create_notifier_app(deps))
    none = client.get("/api/v1/phone-requests")
    wrong = client.get("/api/v1/phone-requests", headers={"Authorization": "Bearer not-a-token"})
    assert none.status_code == 401 and none.headers["WWW-Authenticate"] == "Bearer"
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'

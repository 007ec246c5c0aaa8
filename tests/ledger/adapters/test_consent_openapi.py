"""The published OpenAPI schema of the ledger's HTTP API, with schemathesis generating requests
from it against the app on a real database and Redis: no server errors, and every answer
(status code, content type, body) as the schema says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis
import schemathesis
from consent_ledger.adapters.http.app import HttpDeps, create_app
from consent_ledger.adapters.http.registers import RegisterApiDeps
from consent_ledger.adapters.http.rights import RightsApiDeps
from consent_ledger.adapters.sql.tree import SqlTreeStore
from consent_ledger.app.access_report import AccessReports
from consent_ledger.app.checkpoints import Checkpoints
from consent_ledger.app.consent_query import ConsentQuery
from consent_ledger.bootstrap import build_ledger, build_privacy
from consent_ledger.core.notes import COSIGNATURE, NoteSigner
from hypothesis import HealthCheck, settings

from tests.conftest import REDIS_URL
from tests.support.harness import settings_for


@pytest.fixture
def ledger_app(tmp_path, redis_client):
    settings = settings_for(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path)
    ledger = build_ledger(settings, REDIS_URL)
    privacy = build_privacy(settings, ledger.store)
    scopes = ["consent:status", "consent:history", "ledger:audit", "subject:access", "subject:erasure"]
    scopes.append("register:admin")
    token = ledger.clients.add("schemathesis", scopes, datetime.now(UTC), ["werkcorporatie"])
    signer, witness = NoteSigner.generate("ledger.example"), NoteSigner.generate("w.example", COSIGNATURE)
    checkpoints = Checkpoints(SqlTreeStore(ledger.store), [signer], "ledger.example", [witness.verifier()])
    query = ConsentQuery(ledger.store, ledger.pseudonyms)
    reports = AccessReports(privacy.rights_reads, privacy.kek, checkpoints)
    app = create_app(
        HttpDeps(
            ledger.store,
            aioredis.Redis.from_url(REDIS_URL),
            ledger.metrics,
            query,
            ledger.clients,
            checkpoints,
            RightsApiDeps(privacy.rights, privacy.rights_reads, reports, query),
            RegisterApiDeps(privacy.appender, privacy.pseudonyms, privacy.reads),
            ingest=ledger.ingest,  # POST /v1/events too
        )
    )
    app.state.test_token = token
    yield app
    ledger.store.dispose()


@pytest.fixture
def api_schema(ledger_app):
    return schemathesis.openapi.from_asgi("/openapi.json", ledger_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_schema_says(case, ledger_app):
    # A nine-digit number can match the schema and still fail the elfproef: the API refuses it
    # with 422 invalid-subject, so "schema-valid input must be accepted" does not hold by design.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {ledger_app.state.test_token}"},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )

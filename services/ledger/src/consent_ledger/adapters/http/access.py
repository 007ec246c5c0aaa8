"""What every route of the ledger's API shares: authenticated clients with scopes, refusals as
problem details, counted and logged by reason, and the parts of the API a process serves."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from ledger_contracts.problems import (
    PROBLEM_MEDIA_TYPE,
    ApiRefusal,
    bearer_challenge,
    describe_invalid,
    problem_body,
)

from ...app.clients import ApiClients, Client, ClientRefused, ClientsUnavailable, Scope
from ...app.consent_query import ConsentQuery
from ..metrics import LedgerMetrics

__all__ = [
    "ApiRefusal",
    "ClientDep",
    "ConsentApiDeps",
    "Deps",
    "invalid_input_response",
    "refusal_response",
    "refused",
    "require_scope",
]

log = logging.getLogger("consent_ledger.access")
# Scopes whose every use is logged with the client and counted, beside the entries they write.
RECORDED_USES = frozenset({Scope.SUBJECT_ACCESS, Scope.SUBJECT_ERASURE, Scope.REGISTER_ADMIN})


class ConsentApiDeps:
    def __init__(self, query: ConsentQuery, clients: ApiClients, metrics: LedgerMetrics) -> None:
        self.query, self.clients, self.metrics = query, clients, metrics


def invalid_input_response(exc: RequestValidationError) -> JSONResponse:
    """FastAPI's validation errors (without its "body"/"query"/"path" part) in the one refusal
    shape: where and what, never the value sent."""
    detail, field = describe_invalid(exc.errors(), skip=1)
    return refusal_response(ApiRefusal(422, "invalid-input", detail, field))


def refusal_response(exc: ApiRefusal) -> JSONResponse:
    headers = exc.headers or bearer_challenge(exc.status, token_sent=True)
    body = problem_body(exc.status, exc.error, exc.detail, exc.field)
    return JSONResponse(body, exc.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


# --- dependencies ---------------------------------------------------------------------------


def _deps(request: Request) -> ConsentApiDeps:
    return request.app.state.consent  # type: ignore[no-any-return]


Deps = Annotated[ConsentApiDeps, Depends(_deps)]


# Published as the API's security scheme (components.securitySchemes, and `security` on every
# operation that asks for a client); the token itself is read by ApiClients.authenticate.
bearer = HTTPBearer(
    scheme_name="clientToken",
    bearerFormat="lc.<client>.<secret>",
    description="A ledger client token (`consent-ledger clients add`), with the scopes the route names",
    auto_error=False,
)


def _client(
    request: Request, d: Deps, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Client:
    try:
        client = d.clients.authenticate(request.headers.get("authorization"))
        request.state.client_id = client.client_id  # for the access line (log_hygiene.AccessLog)
        return client
    except ClientRefused as exc:
        refused(d, exc.reason, request)
        challenge = bearer_challenge(401, token_sent=exc.reason != "no-credentials")
        raise ApiRefusal(401, exc.reason, str(exc), None, challenge) from None
    except ClientsUnavailable as exc:
        raise ApiRefusal(503, "database-unavailable", str(exc)) from None


ClientDep = Annotated[Client, Depends(_client)]


def refused(d: ConsentApiDeps, reason: str, request: Request) -> None:
    d.metrics.consent_refused.labels(reason=reason).inc()
    route = getattr(request.scope.get("route"), "path", "(no route)")
    log.warning("api request refused: %s on %s %s", reason, request.method, route)


def require_scope(client: Client, scope: Scope, d: ConsentApiDeps, request: Request, *either: Scope) -> None:
    """Refuse unless the client has `scope` (or one of `either`). A use of a scope that acts on no
    subject's entries is recorded here: a log line naming the client, and a count."""
    wanted = (scope, *either)
    granted = next((s for s in wanted if client.may(s)), None)
    if granted is None:
        refused(d, "missing-scope", request)
        named = " or ".join(str(s) for s in wanted)
        challenge = bearer_challenge(403, True, " ".join(str(s) for s in wanted))
        raise ApiRefusal(
            403, "missing-scope", f"client {client.client_id} lacks scope {named}", None, challenge
        )
    if granted in RECORDED_USES:
        route = getattr(request.scope.get("route"), "path", "(no route)")
        d.metrics.scope_uses.labels(client=client.client_id, scope=str(granted)).inc()
        log.info("client %s used %s: %s %s", client.client_id, granted, request.method, route)

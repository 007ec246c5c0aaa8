"""The notifier's JSON API: phone requests and decisions, callbacks, override, the registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from ledger_contracts.problems import (
    PROBLEM_MEDIA_TYPE,
    ApiRefusal,
    bearer_challenge,
    describe_invalid,
    problem_body,
    problem_responses,
)

from ...app.access import AccessRefused
from ...app.actors import Actor
from ...app.desk import OverrideInput, RequestInput, may_read
from ...app.errors import Conflict, Forbidden, InputError, NotFound, NotifierError
from ...core.registry import Party, Topic
from ...core.roles import Permission, allowed
from ..auth import actor_for, refused
from ..deps import NotifierDeps
from .models import (
    DecisionOut,
    NumberIn,
    OutcomeIn,
    OverrideIn,
    PartyIo,
    PersonIn,
    PhoneRequestIn,
    decision_out,
    party_io,
)

__all__ = ["STATUS", "ApiRefusal", "api_router", "decision_out", "invalid_input_response", "refusal_response"]

STATUS: dict[type[NotifierError], int] = {InputError: 422, NotFound: 404, Conflict: 409, Forbidden: 403}


def _deps(request: Request) -> NotifierDeps:
    return request.app.state.notifier  # type: ignore[no-any-return]


Deps = Annotated[NotifierDeps, Depends(_deps)]


# Published as the API's security scheme; the token itself is read by actor_for.
bearer = HTTPBearer(
    scheme_name="serviceToken",
    description="A notifier service token (`consent-ledger notifier users add-service`)",
    auto_error=False,
)


def _actor(
    request: Request, deps: Deps, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    try:
        return actor_for(request, deps.credentials, deps.metrics)
    except AccessRefused as exc:
        challenge = bearer_challenge(401, token_sent="authorization" in request.headers)
        raise ApiRefusal(401, "unauthenticated", exc.reason, None, challenge) from None


ActorDep = Annotated[Actor, Depends(_actor)]


def refusal_response(exc: ApiRefusal) -> JSONResponse:
    headers = exc.headers or bearer_challenge(exc.status, token_sent=True)
    body = problem_body(exc.status, exc.error, exc.detail, exc.field)
    return JSONResponse(body, exc.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def invalid_input_response(exc: RequestValidationError) -> JSONResponse:
    """FastAPI's validation errors in the one refusal shape: where and what, never the value sent."""
    detail, field = describe_invalid(exc.errors(), skip=1)
    return refusal_response(ApiRefusal(422, "invalid-input", detail, field))


def _call(request: Request, deps: NotifierDeps, fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except NotifierError as exc:
        if isinstance(exc, Forbidden):
            refused("forbidden-role", request, deps.metrics)
        raise ApiRefusal(STATUS.get(type(exc), 400), exc.code, exc.message, exc.field) from None


# --- routes -----------------------------------------------------------------------------------

api_router = APIRouter(prefix="/api/v1", responses=problem_responses(401, 403, 404, 409, 422))


@api_router.post("/phone-requests", response_model=DecisionOut, status_code=201)
def submit(
    body: PhoneRequestIn, request: Request, response: Response, deps: Deps, actor: ActorDep
) -> DecisionOut:
    inp = RequestInput(
        subject=body.subject,
        party_id=body.party_id,
        topic=body.topic,
        data_categories=tuple(body.data_categories),
        person_id=body.person_id,
        calling_number=body.calling_number,
        given_number=body.given_number,
        request_id=body.request_id,
        caller_name=body.caller_name,
    )
    stored, new = _call(request, deps, deps.desk.submit, inp, actor)
    deps.metrics.count_decision(stored, new)
    if not new:
        response.status_code = 200
    return decision_out(stored, actor)


@api_router.get("/phone-requests/{request_id}", response_model=DecisionOut)
def get_request(request_id: str, request: Request, deps: Deps, actor: ActorDep) -> DecisionOut:
    _call(request, deps, actor.require, Permission.VIEW_DECISIONS)
    with deps.store.transaction() as tx:
        stored = tx.request(request_id)
    if stored is None or not may_read(actor, stored):  # a colleague's request is not there for you
        raise ApiRefusal(404, "not-found", "no request with this id", "request_id")
    return decision_out(stored, actor)


@api_router.get("/phone-requests", response_model=list[DecisionOut])
def list_requests(request: Request, deps: Deps, actor: ActorDep, limit: int = 50) -> list[DecisionOut]:
    _call(request, deps, actor.require, Permission.VIEW_DECISIONS)
    mine = None if allowed(actor.roles, Permission.OVERRIDE) else actor.principal_id
    return [decision_out(s, actor) for s in deps.store.recent(mine, min(max(limit, 1), 500))]


@api_router.post("/callbacks/{task_id}/outcome", response_model=DecisionOut)
def record_outcome(
    task_id: str, body: OutcomeIn, request: Request, deps: Deps, actor: ActorDep
) -> DecisionOut:
    stored, changed = _call(request, deps, deps.desk.record_callback, task_id, body.outcome, actor)
    deps.metrics.count_decision(stored, changed)
    return decision_out(stored, actor)


@api_router.post("/phone-requests/{request_id}/override", response_model=DecisionOut)
def override(request_id: str, body: OverrideIn, request: Request, deps: Deps, actor: ActorDep) -> DecisionOut:
    inp = OverrideInput(
        body.note,
        body.recipient_category,
        body.recipient_name,
        body.gdpr_basis,
        body.gdpr_article_9_2.value if body.gdpr_article_9_2 else None,
        body.art9_statute,
    )
    stored, changed = _call(request, deps, deps.desk.override, request_id, inp, actor)
    deps.metrics.count_decision(stored, changed)
    return decision_out(stored, actor)


@api_router.get("/parties", response_model=list[PartyIo])
def parties(request: Request, deps: Deps, actor: ActorDep) -> list[PartyIo]:
    _call(request, deps, actor.require, Permission.VIEW_REGISTRY)
    return [party_io(p) for p in deps.store.parties()]


@api_router.put("/parties/{party_id}", response_model=PartyIo)
def put_party(party_id: str, body: PartyIo, request: Request, deps: Deps, actor: ActorDep) -> PartyIo:
    if body.party_id != party_id:
        raise ApiRefusal(422, "invalid-input", "party_id in the path and the body differ", "party_id")
    party = Party(
        party_id,
        body.name,
        body.category,
        tuple(
            Topic(
                t.topic,
                t.label,
                t.gdpr_basis,
                t.statute,
                t.art9_ground.value if t.art9_ground else None,
                t.art9_statute,
            )
            for t in body.topics
        ),
        body.valid_from,
        body.valid_until,
        body.always_call_back,
    )
    return party_io(_call(request, deps, deps.admin.put_party, party, actor))


@api_router.post("/parties/{party_id}/persons", status_code=201)
def put_person(
    party_id: str, body: PersonIn, request: Request, deps: Deps, actor: ActorDep
) -> dict[str, str]:
    person = _call(
        request,
        deps,
        lambda: deps.admin.put_person(
            body.person_id, party_id, body.display_name, actor, body.valid_from, body.valid_until
        ),
    )
    return {"person_id": person.person_id, "party_id": person.party_id}


@api_router.post("/persons/{person_id}/numbers", status_code=201)
def verify_number(
    person_id: str, body: NumberIn, request: Request, deps: Deps, actor: ActorDep
) -> dict[str, str]:
    n = _call(
        request,
        deps,
        deps.admin.verify_number,
        person_id,
        body.number,
        actor,
        body.valid_until,
        body.verified_at,
    )
    return {
        "person_id": person_id,
        "number": n.number,
        "verified_by": n.verified_by,
        "verified_at": n.verified_at.isoformat(),
    }


@api_router.delete("/persons/{person_id}/numbers/{number}", status_code=204)
def revoke_number(person_id: str, number: str, request: Request, deps: Deps, actor: ActorDep) -> Response:
    _call(request, deps, deps.admin.revoke_number, person_id, number, actor)
    return Response(status_code=204)

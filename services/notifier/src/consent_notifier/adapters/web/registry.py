"""The administrator's page of the known-party registry (art. 8 lid 3): parties with their topics,
known persons, and each person's verified numbers with their history (who verified, when, until
when, revoked when). Adding a person, verifying and revoking a number are done here; every change
goes to the ledger through the registry's use cases, as from the CLI and the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ledger_contracts.dutch_time import end_of_dutch_day

from ...app.actors import Actor
from ...app.errors import Forbidden, NotifierError
from ...core.roles import Permission, allowed
from ..auth import refused
from ..deps import NotifierDeps
from ..http.api import STATUS
from .pages import refused_form, render_page, worklist_page
from .session import ActorDep, Deps, FormActorDep

__all__ = ["registry_router"]

registry_router = APIRouter(include_in_schema=False)


def _registry(
    request: Request,
    deps: NotifierDeps,
    actor: Actor,
    status: int = 200,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    parties = deps.store.parties()
    persons = deps.store.persons()
    return render_page(
        request,
        "registry.html",
        status,
        actor=actor,
        error=error,
        errors=errors or {},
        values=values or {},
        done=done,
        parties=parties,
        persons_of={p.party_id: [x for x in persons if x.party_id == p.party_id] for p in parties},
        persons=persons,
        party_names={p.party_id: p.name for p in parties},
        now=deps.desk.clock.now(),
    )


def _end_of(day: str) -> datetime | None:
    """'Valid up to and including' a day: until the start of the next day, Dutch time."""
    if not day:
        return None
    return end_of_dutch_day(date.fromisoformat(day))


def _changed(
    request: Request,
    deps: NotifierDeps,
    actor: Actor,
    change: Any,
    values: dict[str, Any],
    done: str,
) -> Response:
    """Run a registry change; back to the page with what was done, or the form again with the refusal."""
    try:
        change()
    except NotifierError as exc:
        if isinstance(exc, Forbidden):
            refused("forbidden-role", request, deps.metrics)
        alert, errors = refused_form(exc)
        return _registry(request, deps, actor, STATUS.get(type(exc), 400), alert, values, errors)
    except ValueError:  # a date that is no date
        errors = {"valid_until": "Vul een datum in, bijvoorbeeld 31-12-2027."}
        return _registry(request, deps, actor, 422, "Niet verwerkt, er is niets veranderd.", values, errors)
    url = request.url_for("web_registry").include_query_params(gedaan=done)
    return RedirectResponse(url, status_code=303)


DONE = {
    "persoon": "De persoon is vastgelegd.",
    "beeindigd": "De persoon is beëindigd: voor hem of haar worden geen inlichtingen meer gegeven.",
    "nummer": "Het nummer is geverifieerd en vastgelegd.",
    "ingetrokken": "Het nummer is ingetrokken.",
}


@registry_router.get("/register", response_class=HTMLResponse, name="web_registry")
def registry(request: Request, deps: Deps, actor: ActorDep) -> HTMLResponse:
    if not allowed(actor.roles, Permission.EDIT_REGISTRY):
        refused("forbidden-role", request, deps.metrics)
        return worklist_page(request, deps, actor, 403, "Alleen een beheerder beheert het register.")
    return _registry(request, deps, actor, done=DONE.get(request.query_params.get("gedaan", "")))


@registry_router.post("/register/personen", name="web_add_person")
def add_person(
    request: Request,
    deps: Deps,
    actor: FormActorDep,
    party_id: Annotated[str, Form()] = "",
    person_id: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
) -> Response:
    values = {"party_id": party_id, "person_id": person_id, "display_name": display_name}
    return _changed(
        request,
        deps,
        actor,
        lambda: deps.admin.put_person(person_id.strip(), party_id, display_name, actor),
        values,
        "persoon",
    )


@registry_router.post("/register/nummers", name="web_verify_number")
def verify_number(
    request: Request,
    deps: Deps,
    actor: FormActorDep,
    person_id: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    valid_until: Annotated[str, Form()] = "",
) -> Response:
    values = {"number_person_id": person_id, "number": number, "valid_until": valid_until}
    return _changed(
        request,
        deps,
        actor,
        lambda: deps.admin.verify_number(person_id, number, actor, _end_of(valid_until)),
        values,
        "nummer",
    )


@registry_router.post("/register/nummers/intrekken", name="web_revoke_number")
def revoke_number(
    request: Request,
    deps: Deps,
    actor: FormActorDep,
    person_id: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
) -> Response:
    return _changed(
        request,
        deps,
        actor,
        lambda: deps.admin.revoke_number(person_id, number, actor),
        {},
        "ingetrokken",
    )


@registry_router.post("/register/personen/beeindigen", name="web_end_person")
def end_person(
    request: Request,
    deps: Deps,
    actor: FormActorDep,
    person_id: Annotated[str, Form()] = "",
) -> Response:
    return _changed(request, deps, actor, lambda: deps.admin.end_person(person_id, actor), {}, "beeindigd")

"""The worklist page's rendering: the templates with their Dutch texts, the worklist and a request's
page as the employee sees them, and a refusal turned into the form's Dutch alert."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ...app.actors import Actor
from ...app.desk import may_read
from ...app.errors import Conflict, Forbidden, NotFound, NotifierError
from ...app.ports import StoredRequest
from ...core.registry import Party
from ...core.roles import Permission, allowed
from ..auth import refused
from ..deps import NotifierDeps
from ..http.api import STATUS
from .session import csrf_token
from .text import TEMPLATE_GLOBALS, field_error

__all__ = [
    "OTHER_PARTY",
    "decided",
    "form_token_mismatch",
    "render_page",
    "refused_form",
    "request_page",
    "templates",
    "topic_labels",
    "worklist_page",
]

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.globals.update(TEMPLATE_GLOBALS)
OTHER_PARTY = "niet-genoemd"  # a caller from a party the registry does not name


def render_page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    actor = ctx.get("actor")
    ctx.setdefault("can_edit_registry", actor is not None and allowed(actor.roles, Permission.EDIT_REGISTRY))
    ctx.setdefault("errors", {})
    ctx.setdefault("values", {})
    return templates.TemplateResponse(request, name, {"csrf": csrf_token(request), **ctx}, status_code=status)


def worklist_page(
    request: Request,
    deps: NotifierDeps,
    actor: Actor,
    status: int = 200,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The worklist; the new-request form for the chosen party (`?partij=`), kept as it was sent
    when it is shown again with errors."""
    values = values or {}
    parties = deps.store.parties()
    by_id = {p.party_id: p for p in parties}
    chosen_id = values.get("party_id") or request.query_params.get("partij") or ""
    chosen = by_id.get(chosen_id)
    everyone = deps.store.persons()
    if chosen is not None:
        topics = [(t.topic_id, t.label) for t in chosen.topics]
        persons = [p for p in everyone if p.party_id == chosen.party_id]
    elif chosen_id == OTHER_PARTY:
        topics, persons = sorted({(t.topic_id, t.label) for p in parties for t in p.topics}), []
    else:
        chosen_id, topics, persons = "", [], []
    mine = None if allowed(actor.roles, Permission.OVERRIDE) else actor.principal_id
    return render_page(
        request,
        "worklist.html",
        status,
        actor=actor,
        error=error,
        errors=errors or {},
        values=values,
        parties=parties,
        chosen_id=chosen_id,
        chosen_name=chosen.name if chosen else "Andere partij" if chosen_id else "",
        other_party=OTHER_PARTY,
        topics=topics,
        persons=persons,
        new_request_id=values.get("request_id") or uuid.uuid4().hex,
        recent=list(deps.store.recent(mine, 25)) if allowed(actor.roles, Permission.VIEW_DECISIONS) else [],
        open_callbacks=deps.store.open_callbacks(mine)
        if allowed(actor.roles, Permission.RECORD_CALLBACK)
        else [],
        can_request=allowed(actor.roles, Permission.REQUEST_DECISION),
        party_names={p.party_id: p.name for p in parties} | {OTHER_PARTY: "Andere partij"},
        topic_labels=topic_labels(parties),
        person_names={p.person_id: p.display_name for p in everyone},
    )


def topic_labels(parties: list[Party]) -> dict[str, str]:
    """How the page names a topic instead of its id."""
    return {t.topic_id: t.label for p in parties for t in p.topics}


def request_page(
    request: Request,
    deps: NotifierDeps,
    actor: Actor,
    request_id: str,
    status: int = 200,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    with deps.store.transaction() as tx:
        stored = tx.request(request_id)
        readable = stored is not None and may_read(actor, stored)
        if readable:
            party = tx.party(stored.request.party_id)  # type: ignore[union-attr]
            person = tx.person(stored.request.person_id) if stored.request.person_id else None  # type: ignore[union-attr]
    if not readable or stored is None:  # the worklist opens its own transaction: after this one
        return worklist_page(request, deps, actor, 404, "Deze telefoonvraag bestaat niet.")
    r = stored.request
    topic = party.topic(r.topic) if party else None
    return render_page(
        request,
        "request.html",
        status,
        actor=actor,
        error=error,
        errors=errors or {},
        values=values or {},
        s=stored,
        party_name=party.name if party else "Andere partij (niet in het register)",
        topic_label=topic.label if topic else topic_labels(deps.store.parties()).get(r.topic, r.topic),
        art9_ground=topic.art9_ground if topic else None,
        art9_statute=topic.art9_statute if topic else None,
        person_name=person.display_name if person else None,
        can_record=allowed(actor.roles, Permission.RECORD_CALLBACK),
        can_override=allowed(actor.roles, Permission.OVERRIDE),
        needs_recipient=party is None or topic is None,
    )


def refused_form(exc: NotifierError) -> tuple[str, dict[str, str]]:
    """The alert above the form and the message beside the field, in Dutch."""
    if isinstance(exc, Forbidden):
        return "U mag dit niet doen met uw rol; er is niets veranderd.", {}
    unchanged = "Niet verwerkt, er is niets veranderd."
    if exc.field:
        return f"{unchanged} Verbeter wat bij het veld staat.", {exc.field: field_error(exc.field)}
    if isinstance(exc, Conflict):
        return f"{unchanged} De vraag is intussen al anders beslist; bekijk het verloop.", {}
    if isinstance(exc, NotFound):
        return f"{unchanged} Deze vraag of terugbeltaak bestaat niet (meer).", {}
    return f"{unchanged} Controleer de invoer.", {}


def decided(
    request: Request,
    deps: NotifierDeps,
    act: Callable[[], tuple[StoredRequest, bool]],
    on_error: Callable[[int, str, dict[str, str]], Response],
) -> Response:
    """Run a use case that decides; show the decision, or the form again as it was sent, with the
    refusal beside its field."""
    try:
        stored, changed = act()
    except NotifierError as exc:
        if isinstance(exc, Forbidden):
            refused("forbidden-role", request, deps.metrics)
        alert, errors = refused_form(exc)
        return on_error(STATUS.get(type(exc), 400), alert, errors)
    deps.metrics.count_decision(stored, changed)
    url = request.url_for("web_request", request_id=stored.request.request_id)
    return RedirectResponse(url, status_code=303)


def form_token_mismatch(request: Request) -> HTMLResponse:
    message = "Het formulier hoort niet bij deze sessie; er is niets veranderd. Open de pagina opnieuw."
    return render_page(request, "login.html", 403, actor=None, error=message)

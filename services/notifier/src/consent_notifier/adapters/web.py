"""The employee's worklist page (Dutch): ask for a decision, see it, record the callback outcome;
management overrides a denial. Server-rendered HTML, no script needed."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ..app.access import AccessRefused
from ..app.actors import Actor
from ..app.desk import OverrideInput, RequestInput, may_read
from ..app.errors import Conflict, Forbidden, NotFound, NotifierError
from ..app.ports import StoredRequest
from ..core.registry import Party
from ..core.roles import Permission, allowed
from .auth import SESSION_COOKIE, actor_for, refused
from .deps import NotifierDeps
from .http_api import STATUS
from .web_text import TEMPLATE_GLOBALS, field_error

__all__ = ["web_router"]

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.globals.update(TEMPLATE_GLOBALS)
web_router = APIRouter(include_in_schema=False)  # pages, not the API
OTHER_PARTY = "niet-genoemd"  # a caller from a party the registry does not name


class LoginRequired(Exception):
    pass


class FormTokenMismatch(Exception):
    pass


def _deps(request: Request) -> NotifierDeps:
    return request.app.state.notifier  # type: ignore[no-any-return]


Deps = Annotated[NotifierDeps, Depends(_deps)]


def _actor(request: Request, deps: Deps) -> Actor:
    if request.headers.get("authorization") is None and SESSION_COOKIE not in request.cookies:
        raise LoginRequired
    try:
        return actor_for(request, deps.credentials, deps.metrics)
    except AccessRefused:
        raise LoginRequired from None


ActorDep = Annotated[Actor, Depends(_actor)]


def csrf_token(request: Request) -> str:
    """Bound to the session: a page from another site cannot know it (on top of SameSite=Strict)."""
    session = request.cookies.get(SESSION_COOKIE, "")
    return hashlib.sha256(b"notifier-form\0" + session.encode()).hexdigest() if session else ""


def _form_actor(request: Request, deps: Deps, csrf: Annotated[str, Form()] = "") -> Actor:
    """The actor of a form post; a session's post must carry the page's form token."""
    actor = _actor(request, deps)
    if request.headers.get("authorization") is None and not hmac.compare_digest(csrf, csrf_token(request)):
        refused("form-token-mismatch", request, deps.metrics)
        raise FormTokenMismatch
    return actor


FormActorDep = Annotated[Actor, Depends(_form_actor)]


def form_token_mismatch(request: Request) -> HTMLResponse:
    message = "Het formulier hoort niet bij deze sessie; er is niets veranderd. Open de pagina opnieuw."
    return _page(request, "login.html", 403, actor=None, error=message)


def _page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    actor = ctx.get("actor")
    ctx.setdefault("can_edit_registry", actor is not None and allowed(actor.roles, Permission.EDIT_REGISTRY))
    ctx.setdefault("errors", {})
    ctx.setdefault("values", {})
    return templates.TemplateResponse(request, name, {"csrf": csrf_token(request), **ctx}, status_code=status)


def _worklist(
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
    return _page(
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
        topic_labels=_topic_labels(parties),
        person_names={p.person_id: p.display_name for p in everyone},
    )


def _topic_labels(parties: list[Party]) -> dict[str, str]:
    """How the page names a topic instead of its id."""
    return {t.topic_id: t.label for p in parties for t in p.topics}


def _request_page(
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
        return _worklist(request, deps, actor, 404, "Deze telefoonvraag bestaat niet.")
    r = stored.request
    topic = party.topic(r.topic) if party else None
    return _page(
        request,
        "request.html",
        status,
        actor=actor,
        error=error,
        errors=errors or {},
        values=values or {},
        s=stored,
        party_name=party.name if party else "Andere partij (niet in het register)",
        topic_label=topic.label if topic else _topic_labels(deps.store.parties()).get(r.topic, r.topic),
        art9_ground=topic.art9_ground if topic else None,
        art9_statute=topic.art9_statute if topic else None,
        person_name=person.display_name if person else None,
        can_record=allowed(actor.roles, Permission.RECORD_CALLBACK),
        can_override=allowed(actor.roles, Permission.OVERRIDE),
        needs_recipient=party is None or topic is None,
    )


def _refused_form(exc: NotifierError) -> tuple[str, dict[str, str]]:
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


def _decided(
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
        alert, errors = _refused_form(exc)
        return on_error(STATUS.get(type(exc), 400), alert, errors)
    deps.metrics.count_decision(stored, changed)
    url = request.url_for("web_request", request_id=stored.request.request_id)
    return RedirectResponse(url, status_code=303)


@web_router.get("/inloggen", response_class=HTMLResponse, name="web_login_form")
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html", actor=None)


@web_router.post("/inloggen", name="web_login")
def login(
    request: Request, deps: Deps, user_id: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    try:
        token = deps.credentials.login(user_id, password, request.client.host if request.client else "")
    except AccessRefused as exc:
        refused(exc.reason, request, deps.metrics)
        if exc.retry_after is not None:
            page = _page(
                request,
                "login.html",
                429,
                actor=None,
                error=f"Te veel mislukte pogingen. Probeer het over {exc.retry_after} seconden opnieuw.",
            )
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        return _page(request, "login.html", 401, actor=None, error="Gebruikersnaam of wachtwoord onjuist.")
    response = RedirectResponse(request.url_for("web_worklist"), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(deps.credentials.session_lifetime.total_seconds()),
    )
    return response


@web_router.post("/uitloggen", name="web_logout")
def logout(request: Request, deps: Deps) -> Response:
    if token := request.cookies.get(SESSION_COOKIE):
        deps.credentials.logout(token)
    response = RedirectResponse(request.url_for("web_login_form"), status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@web_router.get("/", response_class=HTMLResponse, name="web_worklist")
def worklist(request: Request, deps: Deps, actor: ActorDep) -> HTMLResponse:
    return _worklist(request, deps, actor)


@web_router.post("/verzoeken", name="web_submit")
def submit(
    request: Request,
    deps: Deps,
    actor: FormActorDep,
    subject: Annotated[str, Form()] = "",
    party_id: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    data_categories: Annotated[list[str] | None, Form()] = None,
    person_id: Annotated[str, Form()] = "",
    calling_number: Annotated[str, Form()] = "",
    given_number: Annotated[str, Form()] = "",
    request_id: Annotated[str, Form()] = "",
    caller_name: Annotated[str, Form()] = "",
) -> Response:
    inp = RequestInput(
        subject,
        party_id,
        topic,
        tuple(data_categories or ()),
        person_id or None,
        calling_number or None,
        given_number or None,
        request_id or None,
        caller_name or None,
    )
    values = {
        "subject": subject,
        "party_id": party_id,
        "topic": topic,
        "data_categories": list(data_categories or ()),
        "person_id": person_id,
        "calling_number": calling_number,
        "given_number": given_number,
        "request_id": request_id,
        "caller_name": caller_name,
    }
    return _decided(
        request,
        deps,
        lambda: deps.desk.submit(inp, actor),
        lambda st, msg, errors: _worklist(request, deps, actor, st, msg, values, errors),
    )


@web_router.get("/verzoeken/{request_id}", response_class=HTMLResponse, name="web_request")
def show_request(request_id: str, request: Request, deps: Deps, actor: ActorDep) -> HTMLResponse:
    if not allowed(actor.roles, Permission.VIEW_DECISIONS):
        refused("forbidden-role", request, deps.metrics)
        return _worklist(request, deps, actor, 403, "U mag geen beslissingen inzien.")
    return _request_page(request, deps, actor, request_id)


@web_router.post("/terugbellen/{task_id}", name="web_outcome")
def outcome(
    task_id: str, request: Request, deps: Deps, actor: FormActorDep, outcome: Annotated[str, Form()] = ""
) -> Response:
    return _decided(
        request,
        deps,
        lambda: deps.desk.record_callback(task_id, outcome, actor),
        lambda st, msg, errors: _worklist(request, deps, actor, st, msg),
    )


@web_router.post("/verzoeken/{request_id}/directiebesluit", name="web_override")
def override(
    request_id: str,
    request: Request,
    deps: Deps,
    actor: FormActorDep,
    note: Annotated[str, Form()] = "",
    recipient_category: Annotated[str, Form()] = "",
    recipient_name: Annotated[str, Form()] = "",
    gdpr_basis: Annotated[str, Form()] = "",
    gdpr_article_9_2: Annotated[str, Form()] = "",
    art9_statute: Annotated[str, Form()] = "",
) -> Response:
    inp = OverrideInput(
        note,
        recipient_category or None,
        recipient_name or None,
        gdpr_basis or None,
        gdpr_article_9_2 or None,
        art9_statute or None,
    )
    values = {
        "note": note,
        "recipient_category": recipient_category,
        "recipient_name": recipient_name,
        "gdpr_basis": gdpr_basis,
        "gdpr_article_9_2": gdpr_article_9_2,
        "art9_statute": art9_statute,
    }
    return _decided(
        request,
        deps,
        lambda: deps.desk.override(request_id, inp, actor),
        lambda st, msg, errors: _request_page(request, deps, actor, request_id, st, msg, values, errors),
    )

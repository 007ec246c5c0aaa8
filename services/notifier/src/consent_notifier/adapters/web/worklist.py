"""The employee's worklist page (Dutch): ask for a decision, see it, record the callback outcome;
management overrides a denial. Server-rendered HTML, no script needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...app.access import AccessRefused
from ...app.desk import OverrideInput, RequestInput
from ...core.roles import Permission, allowed
from ..auth import SESSION_COOKIE, refused
from .pages import decided, render_page, request_page, worklist_page
from .session import ActorDep, Deps, FormActorDep

__all__ = ["web_router"]

web_router = APIRouter(include_in_schema=False)  # pages, not the API


@web_router.get("/inloggen", response_class=HTMLResponse, name="web_login_form")
def login_form(request: Request) -> HTMLResponse:
    return render_page(request, "login.html", actor=None)


@web_router.post("/inloggen", name="web_login")
def login(
    request: Request, deps: Deps, user_id: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    try:
        token = deps.credentials.login(user_id, password, request.client.host if request.client else "")
    except AccessRefused as exc:
        refused(exc.reason, request, deps.metrics)
        if exc.retry_after is not None:
            page = render_page(
                request,
                "login.html",
                429,
                actor=None,
                error=f"Te veel mislukte pogingen. Probeer het over {exc.retry_after} seconden opnieuw.",
            )
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        return render_page(
            request, "login.html", 401, actor=None, error="Gebruikersnaam of wachtwoord onjuist."
        )
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
    return worklist_page(request, deps, actor)


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
    return decided(
        request,
        deps,
        lambda: deps.desk.submit(inp, actor),
        lambda st, msg, errors: worklist_page(request, deps, actor, st, msg, values, errors),
    )


@web_router.get("/verzoeken/{request_id}", response_class=HTMLResponse, name="web_request")
def show_request(request_id: str, request: Request, deps: Deps, actor: ActorDep) -> HTMLResponse:
    if not allowed(actor.roles, Permission.VIEW_DECISIONS):
        refused("forbidden-role", request, deps.metrics)
        return worklist_page(request, deps, actor, 403, "U mag geen beslissingen inzien.")
    return request_page(request, deps, actor, request_id)


@web_router.post("/terugbellen/{task_id}", name="web_outcome")
def outcome(
    task_id: str, request: Request, deps: Deps, actor: FormActorDep, outcome: Annotated[str, Form()] = ""
) -> Response:
    return decided(
        request,
        deps,
        lambda: deps.desk.record_callback(task_id, outcome, actor),
        lambda st, msg, errors: worklist_page(request, deps, actor, st, msg),
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
    return decided(
        request,
        deps,
        lambda: deps.desk.override(request_id, inp, actor),
        lambda st, msg, errors: request_page(request, deps, actor, request_id, st, msg, values, errors),
    )

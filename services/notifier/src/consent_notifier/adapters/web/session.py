"""Who is on the worklist page: the session or bearer token's actor, the form token that binds a
form post to its session, and the refusals that send one back to the login page."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Form, Request

from ...app.access import AccessRefused
from ...app.actors import Actor
from ..auth import SESSION_COOKIE, actor_for, refused
from ..deps import NotifierDeps

__all__ = [
    "ActorDep",
    "Deps",
    "FormActorDep",
    "FormTokenMismatch",
    "LoginRequired",
    "csrf_token",
]


class LoginRequired(Exception):
    pass


class FormTokenMismatch(Exception):
    pass


def notifier_deps(request: Request) -> NotifierDeps:
    return request.app.state.notifier  # type: ignore[no-any-return]


Deps = Annotated[NotifierDeps, Depends(notifier_deps)]


def session_actor(request: Request, deps: Deps) -> Actor:
    if request.headers.get("authorization") is None and SESSION_COOKIE not in request.cookies:
        raise LoginRequired
    try:
        return actor_for(request, deps.credentials, deps.metrics)
    except AccessRefused:
        raise LoginRequired from None


ActorDep = Annotated[Actor, Depends(session_actor)]


def csrf_token(request: Request) -> str:
    """Bound to the session: a page from another site cannot know it (on top of SameSite=Strict)."""
    session = request.cookies.get(SESSION_COOKIE, "")
    return hashlib.sha256(b"notifier-form\0" + session.encode()).hexdigest() if session else ""


def form_actor(request: Request, deps: Deps, csrf: Annotated[str, Form()] = "") -> Actor:
    """The actor of a form post; a session's post must carry the page's form token."""
    actor = session_actor(request, deps)
    if request.headers.get("authorization") is None and not hmac.compare_digest(csrf, csrf_token(request)):
        refused("form-token-mismatch", request, deps.metrics)
        raise FormTokenMismatch
    return actor


FormActorDep = Annotated[Actor, Depends(form_actor)]

"""Who is asking: a service token (Authorization: Bearer) or a user's session cookie.
Every refusal is counted by reason and logged without the credential or personal data."""

from __future__ import annotations

import logging

from fastapi import Request

from ..app.access import AccessRefused, Credentials
from ..app.actors import Actor
from .metrics import NotifierMetrics

__all__ = ["SESSION_COOKIE", "actor_for"]

SESSION_COOKIE = "notifier_session"
log = logging.getLogger("consent_notifier.access")


def actor_for(request: Request, credentials: Credentials, metrics: NotifierMetrics) -> Actor:
    """Raises AccessRefused (already counted and logged)."""
    try:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return credentials.from_token(header[7:].strip())
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            return credentials.from_session(cookie)
        raise AccessRefused("no-credentials")
    except AccessRefused as exc:
        refused(exc.reason, request, metrics)
        raise


def refused(reason: str, request: Request, metrics: NotifierMetrics) -> None:
    metrics.access_refused.labels(reason=reason).inc()
    route = getattr(request.scope.get("route"), "path", "(no route)")  # a template: never the raw path
    log.warning("access refused: %s on %s %s", reason, request.method, route)

"""The notifier's HTTP app: JSON API under /api/v1 and the worklist page; mountable under a prefix."""

from __future__ import annotations

import base64
import hashlib
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .deps import NotifierDeps
from .http.api import ApiRefusal, api_router, invalid_input_response, refusal_response
from .web.pages import form_token_mismatch
from .web.registry import registry_router
from .web.session import FormTokenMismatch, LoginRequired
from .web.worklist import web_router

__all__ = ["create_notifier_app"]


def _style_hash() -> str:
    """CSP source of the page's one inline style block (base.html), by its SHA-256."""
    text = (Path(__file__).parent / "web" / "templates" / "base.html").read_text(encoding="utf-8")
    style = text.split("<style>", 1)[1].split("</style>", 1)[0]
    return "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"


def security_headers() -> dict[str, str]:
    """No script, nothing from elsewhere, never in a frame, no referrer leaving the page."""
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src {_style_hash()}; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def create_notifier_app(deps: NotifierDeps) -> FastAPI:
    app = FastAPI(  # no trailing-slash redirect: Starlette builds it from the Host header sent
        title="consent-notifier",
        description="Telefonische inlichtingen volgens art. 8 lid 3",
        redirect_slashes=False,
    )
    app.state.notifier = deps
    headers = security_headers()

    @app.middleware("http")
    async def _secure(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(headers)
        return response

    app.include_router(api_router)
    app.include_router(web_router)
    app.include_router(registry_router)

    @app.exception_handler(ApiRefusal)
    async def _refusal(request: Request, exc: ApiRefusal) -> Response:
        return refusal_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return invalid_input_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Framework refusals (unreadable JSON, unknown route) in the same shape as ours."""
        error = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
        response = refusal_response(ApiRefusal(exc.status_code, error, str(exc.detail)))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(request.url_for("web_login_form"), status_code=303)

    @app.exception_handler(FormTokenMismatch)
    async def _form_token(request: Request, exc: FormTokenMismatch) -> Response:
        return form_token_mismatch(request)

    return app

"""The notifier's HTTP app: JSON API under /api/v1 and the worklist page; mountable under a prefix."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from .deps import NotifierDeps
from .http_api import ApiRefusal, api_router, refusal_response
from .web import FormTokenMismatch, LoginRequired, form_token_mismatch, web_router

__all__ = ["create_notifier_app"]


def create_notifier_app(deps: NotifierDeps) -> FastAPI:
    app = FastAPI(title="consent-notifier", description="Telefonische inlichtingen volgens art. 8 lid 3")
    app.state.notifier = deps
    app.include_router(api_router)
    app.include_router(web_router)

    @app.exception_handler(ApiRefusal)
    async def _refusal(request: Request, exc: ApiRefusal) -> Response:
        return refusal_response(exc)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(request.url_for("web_login_form"), status_code=303)

    @app.exception_handler(FormTokenMismatch)
    async def _form_token(request: Request, exc: FormTokenMismatch) -> Response:
        return form_token_mismatch(request)

    return app

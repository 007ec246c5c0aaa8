"""ASGI guards in front of every route, the notifier's page and API included: request headers larger
than their limit are refused with 431, and a request body larger than its limit with 413 before it
is read (a declared Content-Length at once; a chunked body as soon as it passes the limit), in the
API's refusal shape."""

from __future__ import annotations

import json
from typing import Any

from ledger_contracts.problems import PROBLEM_MEDIA_TYPE, problem_body

__all__ = ["DEFAULT_MAX_BODY", "MAX_HEADER_BYTES", "BodyLimit"]

# A bulk consent question of 10,000 subjects is about 0.7 MB of JSON; a register about 0.1 MB.
DEFAULT_MAX_BODY = 4 * 1024 * 1024
# Names and values of all request headers together: a browser sends 1-2 KiB, a bearer token 100 bytes;
# 16 KiB is what nginx and h11 allow by default.
MAX_HEADER_BYTES = 16 * 1024


class BodyLimit:
    def __init__(self, app: Any, max_bytes: int = DEFAULT_MAX_BODY, on_refused: Any = None) -> None:
        self.app, self.max_bytes, self.on_refused = app, max_bytes, on_refused

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if sum(len(k) + len(v) for k, v in scope.get("headers") or []) > MAX_HEADER_BYTES:
            detail = f"the request headers are larger than {MAX_HEADER_BYTES} bytes together"
            await self._send_problem(send, 431, "headers-too-large", detail)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_bytes
            except ValueError:
                too_large = True  # not a number: nothing to trust
            if too_large:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        # no declared length (chunked): read up to the limit here, then hand the body on
        messages, total = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body"):
                break

        async def replay() -> dict[str, Any]:
            message: dict[str, Any] = messages.pop(0) if messages else await receive()
            return message

        await self.app(scope, replay, send)

    async def _refuse(self, send: Any) -> None:
        if self.on_refused is not None:
            self.on_refused()
        detail = f"the request body is larger than {self.max_bytes} bytes; nothing was read"
        await self._send_problem(send, 413, "body-too-large", detail)

    @staticmethod
    async def _send_problem(send: Any, status: int, error: str, detail: str) -> None:
        body = json.dumps(problem_body(status, error, detail)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

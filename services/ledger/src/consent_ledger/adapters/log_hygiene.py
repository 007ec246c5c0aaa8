"""Logs never hold a BSN, a phone number or free text (issue: privacy by design, point 3).

First line: the code paths do not produce them. HTTP requests are logged by route template
(`/v1/consents/{subject}/{purpose}`), never by raw path or query string (uvicorn's own access log
is off), and log lines name reasons and ids, never field values. Second line: `MaskingFilter` on
every handler masks what still looks like a BSN or a telephone number.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

__all__ = ["AccessLog", "MaskingFilter", "configure_logging", "mask", "route_template"]

log = logging.getLogger("consent_ledger.access")

# Nine digits in a row (a BSN), possibly grouped; E.164 and Dutch national phone numbers.
_SENSITIVE = re.compile(
    r"(?<![0-9a-f-])(?:\d[ .-]?){8}\d(?![0-9a-f-])"  # 9 digits, maybe grouped; not inside hex/UUIDs
    r"|\+\d[\d ]{6,16}\d"  # +31 6 12345678
    r"|(?<!\d)0\d{1,3}[ -]?\d{6,8}(?!\d)"  # 0612345678, 0527 123456
)


def mask(text: str) -> str:
    return _SENSITIVE.sub(lambda m: "#" * len(m.group()), text)


class MaskingFilter(logging.Filter):
    """The second line: rewrites a record's message with BSN- and phone-like runs masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


def route_template(scope: dict[str, Any]) -> str:
    """The matched route's path template with its mount prefix; never the request's own path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "(no route)"
    return f"{scope.get('root_path', '')}{path}"


# Asked every few seconds by Prometheus and the load balancer: their lines would be most of the log
# (issue 29 item 11). A failed one is still logged.
QUIET_PATHS = frozenset({"/metrics", "/health", "/ready"})


class AccessLog:
    """ASGI middleware: one line per request: method, route template, status, milliseconds. A
    successful scrape or health check is not logged (QUIET_PATHS) unless `quiet` is empty."""

    def __init__(self, app: Any, quiet: frozenset[str] = QUIET_PATHS) -> None:
        self.app, self.quiet = app, quiet

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 0

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - started) * 1000
            if not (status < 400 and scope.get("path") in self.quiet):
                log.info("%s %s %d %.1fms", scope.get("method"), route_template(scope), status, ms)

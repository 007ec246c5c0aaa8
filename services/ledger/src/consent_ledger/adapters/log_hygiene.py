"""Logs never hold a BSN, a phone number or free text (issue: privacy by design, point 3).

First line: the code paths do not produce them. HTTP requests are logged by route template
(`/v1/consents/{subject}/{purpose}`), never by raw path or query string (uvicorn's own access log
is off), and log lines name reasons and ids, never field values. Second line: `MaskingFilter` on
every handler masks what still looks like a BSN or a telephone number, in the message and in a
traceback.

One format for every process and every library (uvicorn's lines go through the same handler):
text with a UTC timestamp, or with `LOG_FORMAT=json` one JSON object a line for a SIEM (time,
level, logger, process, pid, message; an access line adds request id, client, method, route,
status and milliseconds; a traceback is one field, not many lines). (Issue 29 item 11.)
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "AccessLog",
    "JsonFormatter",
    "MaskingFilter",
    "TextFormatter",
    "configure_logging",
    "mask",
    "route_template",
]

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


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")  # a caller's X-Request-Id taken as it is
ACCESS_FIELDS = ("request_id", "client", "method", "route", "status", "duration_ms")


class TextFormatter(logging.Formatter):
    """`2026-12-07T13:00:00.123Z INFO consent_ledger.access: …`, in UTC; a traceback masked."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
        self.converter = time.gmtime  # the timestamp in UTC

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return mask(super().formatException(ei))


class JsonFormatter(TextFormatter):
    """One JSON object a line (LOG_FORMAT=json)."""

    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": self.process,
            "pid": record.process,
            "message": record.getMessage(),
        }
        for name in ACCESS_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                doc[name] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


def _process_name() -> str:
    """The command this process runs: `consume`, `serve`, `notifier`, `up`, …"""
    words = [a for a in sys.argv[1:] if not a.startswith("-")]
    return words[0] if words else os.path.basename(sys.argv[0])


def configure_logging(level: int = logging.INFO) -> None:
    """The root handler, with its format (LOG_FORMAT: text, the default, or json) and the masking
    filter; every library's logger propagates to it."""
    handler = logging.StreamHandler()
    form = os.environ.get("LOG_FORMAT", "text").strip().lower()
    handler.setFormatter(JsonFormatter(_process_name()) if form == "json" else TextFormatter())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # through the root handler
        found = logging.getLogger(name)
        found.handlers.clear()
        found.propagate = True


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
    successful scrape or health check is not logged (QUIET_PATHS)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 0
        given = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - started) * 1000
            if not (status < 400 and scope.get("path") in QUIET_PATHS):
                route = route_template(scope)
                fields = {
                    "request_id": request_id,
                    "client": scope.get("state", {}).get("client_id"),
                    "method": scope.get("method"),
                    "route": route,
                    "status": status,
                    "duration_ms": round(ms, 1),
                }
                log.info("%s %s %d %.1fms", scope.get("method"), route, status, ms, extra=fields)

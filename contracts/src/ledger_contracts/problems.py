"""The one shape of every HTTP refusal by the ledger and the notifier: RFC 9457 problem details
(`application/problem+json`) with two members of our own, `error` (the machine-readable reason a
client branches on) and `field` (which input to correct).

A refusal never carries an input value: it names the field, never what was sent in it, because
what was sent may be a BSN. `describe_invalid` turns pydantic's errors into that shape from their
location and message only."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "ApiRefusal",
    "Problem",
    "bearer_challenge",
    "describe_invalid",
    "problem_body",
    "problem_responses",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
MAX_DETAIL = 2000
# A location part that is a field name or a list index; anything else (a dict key, a tag) may be
# input and ends the path.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class Problem(BaseModel):
    """RFC 9457 problem details, as every refusal of the ledger's and the notifier's APIs."""

    type: str = Field("about:blank", description="Always about:blank: `error` names the problem")
    title: str = Field(description="The HTTP status phrase")
    status: int
    error: str = Field(description="Machine-readable reason, e.g. invalid-input, missing-scope")
    detail: str = Field(description="What to do about it; never an input value")
    field: str | None = Field(None, description="The input to correct, as a dotted path")


class ApiRefusal(Exception):
    """Raised by an HTTP adapter; answered as a Problem by the app's exception handler."""

    def __init__(
        self,
        status: int,
        error: str,
        detail: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """`headers`: sent with the answer (a bearer challenge that knows more than the status)."""
        super().__init__(detail)
        self.status, self.error, self.detail, self.field = status, error, detail, field
        self.headers = headers


def bearer_challenge(status: int, token_sent: bool, scopes: str = "") -> dict[str, str] | None:
    """RFC 6750 §3: a 401 challenges for a bearer token, with `invalid_token` when one was sent (none
    sent: no error code, §3.1); a 403 says `insufficient_scope`, with the scopes any one of which
    would do when they are known."""
    if status == 401:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"' if token_sent else "Bearer"}
    if status == 403:
        wanted = f', scope="{scopes}"' if scopes else ""
        return {"WWW-Authenticate": f'Bearer error="insufficient_scope"{wanted}'}
    return None


def problem_body(status: int, error: str, detail: str, field: str | None = None) -> dict[str, Any]:
    body = Problem(
        title=HTTPStatus(status).phrase, status=status, error=error, detail=detail[:MAX_DETAIL], field=field
    )
    return body.model_dump(exclude_none=True)


def _path(loc: Iterable[object], error_type: str) -> str | None:
    parts = tuple(loc)
    if error_type == "extra_forbidden":  # the last part is the unknown key, which is input
        parts = parts[:-1]
    named: list[str] = []
    for part in parts:
        if not (isinstance(part, int) or (isinstance(part, str) and _NAME.fullmatch(part))):
            break
        named.append(str(part))
    return ".".join(named) or None


def _message(error: Mapping[str, Any]) -> str:
    """pydantic's message, unless it could repeat what was sent."""
    error_type = str(error.get("type", ""))
    if error_type == "extra_forbidden":
        return "unknown field"
    if error_type == "union_tag_invalid":  # its message quotes the tag that was sent
        return f"must be one of: {(error.get('ctx') or {}).get('expected_tags', '')}"
    message = str(error.get("msg", "invalid"))
    sent = error.get("input")
    scalar = isinstance(sent, str | int | float) and not isinstance(sent, bool)
    if scalar and len(str(sent)) >= 3 and str(sent) in message:
        return f"not accepted ({error_type})"
    return message


def describe_invalid(errors: Iterable[Mapping[str, Any]], skip: int = 0) -> tuple[str, str | None]:
    """(detail, field) of pydantic errors from their location and message, never their input.
    `skip` drops leading location parts (FastAPI's "body", "query", "path")."""
    described: list[str] = []
    fields: list[str | None] = []
    for error in errors:
        field = _path(tuple(error.get("loc", ()))[skip:], str(error.get("type", "")))
        fields.append(field)
        if len(described) < 5:
            message = _message(error)
            described.append(f"{field}: {message}" if field else message)
    if not described:
        return "the request is not valid", None
    more = f" (and {len(fields) - 5} more)" if len(fields) > 5 else ""
    return "; ".join(described) + more, fields[0]


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route's refusals, each as a Problem in problem+json."""
    schema = Problem.model_json_schema()
    return {
        s: {"description": HTTPStatus(s).phrase, "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}
        for s in statuses
    }

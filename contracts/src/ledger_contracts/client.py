"""Client of the ledger's consent questions, for the newsletter system and the website team.

    with ConsentClient("http://127.0.0.1:8080", token) as ledger:
        for address_owner in ledger.mailable(subjects):  # BSNs or ledger pseudonyms
            ...

Fail closed: any refusal or error raises ConsentApiError, so nobody is mailed on an error.
A newsletter client (scope consent:check) gets yes or no and nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import httpx

from .subjects import PSEUDONYM_PATTERN

__all__ = ["MAX_BULK", "AsyncConsentClient", "ConsentApiError", "ConsentClient"]

MAX_BULK = 10_000
NEWSLETTER = "newsletter-subscription"


class ConsentApiError(Exception):
    """The ledger refused or failed: treat as not allowed."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status, self.error, self.detail = status, error, detail


def _subject(value: str) -> dict[str, str]:
    return {"pseudonym": value} if re.fullmatch(PSEUDONYM_PATTERN, value) else {"bsn": value}


def _query_body(subject: str, purpose: str, as_of: datetime | None) -> dict[str, Any]:
    body: dict[str, Any] = {"subject": _subject(subject), "purpose": purpose}
    if as_of is not None:
        body["as_of"] = as_of.isoformat()
    return body


def _batches(subjects: Sequence[str]) -> Iterator[list[str]]:
    for i in range(0, len(subjects), MAX_BULK):
        yield list(subjects[i : i + MAX_BULK])


def _json(resp: httpx.Response) -> Any:
    if resp.status_code >= 400:
        try:
            body = resp.json()
            error = body.get("error") or "refused"
            detail = body.get("detail")
            detail = detail if isinstance(detail, str) else str(detail)
        except ValueError:
            error, detail = "error", resp.text[:200]
        raise ConsentApiError(resp.status_code, error, detail)
    return resp.json()


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


class ConsentClient:
    """Synchronous client; one connection pool, reuse it."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0, **httpx_options: Any) -> None:
        self._http = httpx.Client(
            base_url=base_url, headers=_headers(token), timeout=timeout, **httpx_options
        )

    def __enter__(self) -> ConsentClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def allowed(self, subject: str, purpose: str = NEWSLETTER, as_of: datetime | None = None) -> bool:
        """May we, now (or on `as_of`)? `subject` is a BSN or a ledger pseudonym."""
        return bool(self.status(subject, purpose, as_of)["allowed"])

    def status(self, subject: str, purpose: str, as_of: datetime | None = None) -> dict[str, Any]:
        """The whole answer: with scope consent:status also the reason, DPV state and record."""
        return _json(self._http.post("/v1/consents/query", json=_query_body(subject, purpose, as_of)))  # type: ignore[no-any-return]

    def mailable(self, subjects: Sequence[str], purpose: str = NEWSLETTER) -> list[str]:
        """Those of `subjects` that may be mailed now, in the order given (10,000 per request)."""
        out: list[str] = []
        for batch in _batches(subjects):
            answer = _json(self._http.post("/v1/consents/bulk", json={"purpose": purpose, "subjects": batch}))
            out += [s for s, ok in zip(batch, answer["allowed"], strict=True) if ok]
        return out

    def history(self, subject: str) -> dict[str, Any]:
        """One subject's consent history (scope consent:history)."""
        return _json(self._http.post("/v1/consents/history", json={"subject": _subject(subject)}))  # type: ignore[no-any-return]


class AsyncConsentClient:
    """The same questions for asyncio programs."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0, **httpx_options: Any) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=_headers(token), timeout=timeout, **httpx_options
        )

    async def __aenter__(self) -> AsyncConsentClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def allowed(self, subject: str, purpose: str = NEWSLETTER, as_of: datetime | None = None) -> bool:
        return bool((await self.status(subject, purpose, as_of))["allowed"])

    async def status(self, subject: str, purpose: str, as_of: datetime | None = None) -> dict[str, Any]:
        resp = await self._http.post("/v1/consents/query", json=_query_body(subject, purpose, as_of))
        return _json(resp)  # type: ignore[no-any-return]

    async def mailable(self, subjects: Sequence[str], purpose: str = NEWSLETTER) -> list[str]:
        out: list[str] = []
        for batch in _batches(subjects):
            resp = await self._http.post("/v1/consents/bulk", json={"purpose": purpose, "subjects": batch})
            out += [s for s, ok in zip(batch, _json(resp)["allowed"], strict=True) if ok]
        return out

    async def history(self, subject: str) -> dict[str, Any]:
        resp = await self._http.post("/v1/consents/history", json={"subject": _subject(subject)})
        return _json(resp)  # type: ignore[no-any-return]

"""Who may ask about consent, and what: API clients with scopes.

The newsletter client gets `consent:check` (yes or no, nothing more); the website team
`consent:status` (the answer with its reason and the entry it rests on); the auditor's tool
`consent:history`. The desk application that takes residents' requests gets `subject:access`
and, for the privacy officer, `subject:erasure`; whoever maintains the processing register
`register:admin`; the Prometheus server `metrics:read`. Only the SHA-256 of a client's random
token is stored; it is shown once.

A client is tied to the controller organisation(s) it asks for (DESIGN.md invariant 12): consent
is given to one controller for one purpose (GDPR art. 6(1)(a), 7), so every consent question is
"may *this* organisation ...", and a client tied to no controller gets no consent answer at all."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ledger_contracts.formats import ACTOR_ID_PATTERN, CHAIN_PATTERN

from ..core.errors import InputRefused, Refused, Unavailable

__all__ = [
    "CONTROLLER_PATTERN",
    "TOKEN_PREFIX",
    "ApiClients",
    "Client",
    "ClientRecord",
    "ClientRefused",
    "ClientStore",
    "ClientsUnavailable",
    "ControllerRefused",
    "Scope",
]

TOKEN_PREFIX = "lc"
_CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
_ACTOR = re.compile(ACTOR_ID_PATTERN)  # the client acts on the chain as api.<client id>
CONTROLLER_PATTERN = CHAIN_PATTERN  # a controller's code: its chain's name
_CONTROLLER = re.compile(CONTROLLER_PATTERN)


class Scope(StrEnum):
    CHECK = "consent:check"  # allowed yes/no, single and bulk
    STATUS = "consent:status"  # plus the reason, DPV state and the record it rests on
    HISTORY = "consent:history"  # one subject's consent history, for the auditor
    AUDIT = "ledger:audit"  # receipts (an entry with its proof) and checkpoints on demand
    SUBJECT_ACCESS = "subject:access"  # access requests and the access report (GDPR art. 15)
    SUBJECT_ERASURE = "subject:erasure"  # erasure, restriction and correction requests, holds (16-18)
    REGISTER_ADMIN = "register:admin"  # publish the processing register; read violations
    METRICS = "metrics:read"  # the Prometheus metrics: counts by client name are not for everyone


IMPLIED = {Scope.STATUS: {Scope.CHECK}}


class ControllerRefused(Refused):
    """The client asked for a controller it is not tied to (or named none while tied to several)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # controller-not-allowed | controller-required


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    scopes: frozenset[Scope]
    controllers: frozenset[str] = frozenset()

    def controller(self, asked: str | None) -> str:
        """The one controller this request is answered for: the one asked when the client is tied
        to it, the client's only one when none is asked; raises ControllerRefused otherwise."""
        if asked is not None:
            if asked not in self.controllers:
                raise ControllerRefused(
                    "controller-not-allowed", f"client {self.client_id} is not tied to the controller asked"
                )
            return asked
        if len(self.controllers) == 1:
            return next(iter(self.controllers))
        if not self.controllers:
            raise ControllerRefused(
                "controller-not-allowed",
                f"client {self.client_id} is tied to no controller (consent-ledger clients tie …)",
            )
        named = ", ".join(sorted(self.controllers))
        raise ControllerRefused("controller-required", f"name the controller: one of {named}")

    def may(self, scope: Scope) -> bool:
        return scope in self.scopes or any(scope in IMPLIED.get(s, ()) for s in self.scopes)

    @property
    def actor(self) -> str:
        """How the client is named where it acts on the ledger (an ActorId)."""
        return f"api.{self.client_id}"

    def acting_for(self, employee: str | None) -> str:
        """The actor for a use on behalf of `employee` (`api.<client>.<employee>`); raises ValueError
        when the two together are no ActorId."""
        actor = f"{self.actor}.{employee}" if employee else self.actor
        if len(actor) > 64 or not _ACTOR.fullmatch(actor):
            raise InputRefused("employee: too long with the client id (64 in all)")
        return actor


@dataclass(frozen=True, slots=True)
class ClientRecord:
    client_id: str
    token_sha256: str
    scopes: frozenset[Scope]
    created_at: datetime
    disabled_at: datetime | None
    controllers: frozenset[str] = frozenset()


class ClientsUnavailable(Unavailable):
    """The client store does not answer and this process has not confirmed the token before."""


class ClientRefused(Refused):
    """Why a request was not let in: no-credentials, malformed-token, unknown-token, disabled,
    missing-scope. Never carries the token."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


class ClientStore(Protocol):
    def put_client(self, record: ClientRecord) -> None: ...
    def client_by_digest(self, digest: str) -> ClientRecord | None: ...
    def clients(self) -> list[ClientRecord]: ...
    def disable_client(self, client_id: str, at: datetime) -> bool: ...
    def tie_client(self, client_id: str, controllers: frozenset[str]) -> bool: ...


def _controllers(values: Iterable[str]) -> frozenset[str]:
    tied = frozenset(values)
    bad = sorted(c for c in tied if not _CONTROLLER.fullmatch(c))
    if bad:
        raise InputRefused("controller: a controller's code, its chain's name (lowercase letters and '-')")
    return tied


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClients:
    """Client tokens, checked against the store and cached for `cache_seconds` (a disabled client
    is refused within that time). While the store does not answer (the database is down), a token
    the store confirmed in the last `stale_seconds` is still taken: the Prometheus server keeps
    scraping /metrics through a database outage, which is when its alerts matter (issue 29 item 5)."""

    def __init__(
        self, store: ClientStore, cache_seconds: float = 5.0, stale_seconds: float = 86400.0
    ) -> None:
        self.store = store
        self._cache: dict[str, tuple[float, Client]] = {}
        self._cache_seconds, self._stale_seconds = cache_seconds, stale_seconds

    def add(self, client_id: str, scopes: list[str], at: datetime, controllers: Iterable[str] = ()) -> str:
        """Create or rotate a client, tied to `controllers`; returns the token, shown once."""
        if not _CLIENT_ID.fullmatch(client_id) or not _ACTOR.fullmatch(f"api.{client_id}"):
            raise InputRefused(
                "client id: lowercase letters, digits and '-', at most 60, at most 4 digits in a row"
            )
        try:
            wanted = frozenset(Scope(s) for s in scopes)
        except ValueError:
            raise InputRefused(f"scope: one of {', '.join(s.value for s in Scope)}") from None
        if not wanted:
            raise InputRefused("give at least one --scope")
        tied = _controllers(controllers)
        token = f"{TOKEN_PREFIX}.{client_id}.{secrets.token_urlsafe(32)}"
        self.store.put_client(ClientRecord(client_id, _digest(token), wanted, at, None, tied))
        self._cache.clear()
        return token

    def tie(self, client_id: str, controllers: Iterable[str]) -> bool:
        """Tie an existing client to exactly `controllers` (its token unchanged)."""
        tied = _controllers(controllers)
        self._cache.clear()
        return self.store.tie_client(client_id, tied)

    def disable(self, client_id: str, at: datetime) -> bool:
        self._cache.clear()
        return self.store.disable_client(client_id, at)

    def authenticate(self, authorization: str | None) -> Client:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise ClientRefused("no-credentials", "send Authorization: Bearer <client token>")
        token = authorization[7:].strip()
        if token.count(".") < 2 or not token.startswith(TOKEN_PREFIX + "."):
            raise ClientRefused("malformed-token", "not a ledger client token (lc.<client>.<secret>)")
        digest = _digest(token)
        hit = self._cache.get(digest)
        if hit and time.monotonic() - hit[0] < self._cache_seconds:
            return hit[1]
        try:
            record = self.store.client_by_digest(digest)
        except Exception as exc:  # noqa: BLE001 - any failure of the store: the database does not answer
            if hit and time.monotonic() - hit[0] < self._stale_seconds:
                return hit[1]
            raise ClientsUnavailable(f"the client store does not answer ({type(exc).__name__})") from None
        if record is None:
            raise ClientRefused("unknown-token", "unknown or rotated client token")
        if record.disabled_at is not None:
            raise ClientRefused("disabled", f"client {record.client_id} is disabled")
        client = Client(record.client_id, record.scopes, record.controllers)
        self._cache[digest] = (time.monotonic(), client)
        return client

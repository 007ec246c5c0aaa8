"""Personal credentials per user and per service, hashed at rest (regulation art. 7).

Users log in with their personal user id and password (argon2id) and get a session token;
services present a generated token. Only the SHA-256 of a token is stored, since tokens are
random; passwords are stored as argon2id hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field, replace
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..core.roles import Role
from ..core.throttle import LoginThrottle
from .actors import Actor
from .errors import InputError
from .inputs import identifier
from .ports import Clock, Credential, CredentialStore

__all__ = ["AccessRefused", "Credentials", "MIN_PASSWORD_LENGTH"]

MIN_PASSWORD_LENGTH = 12
SERVICE_TOKEN_PREFIX = "svc"


class AccessRefused(Exception):
    """Nobody else gets in. `reason` is counted and logged; it never holds the credential.
    `retry_after`: seconds to wait, when refused for too many failed attempts."""

    def __init__(self, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Credentials:
    store: CredentialStore
    clock: Clock
    session_lifetime: timedelta = timedelta(hours=8)
    hasher: PasswordHasher = PasswordHasher()
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    _decoy: str | None = None  # a hash to verify against for unknown user names: the same work

    def add_user(self, user_id: str, roles: frozenset[Role], password: str | None = None) -> str:
        """Create or reset a user; returns the password (generated when none is given)."""
        identifier(user_id, "user_id")
        if not roles:
            raise InputError("a user needs at least one role", "roles")
        password = password or secrets.token_urlsafe(18)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InputError(f"password must have at least {MIN_PASSWORD_LENGTH} characters", "password")
        self.store.put_credential(
            Credential(user_id, "user", frozenset(roles), self.hasher.hash(password), self.clock.now())
        )
        return password

    def add_service(self, service_id: str, roles: frozenset[Role]) -> str:
        """Create or rotate a service credential; returns its token, shown once."""
        identifier(service_id, "service_id")
        if not roles:
            raise InputError("a service needs at least one role", "roles")
        token = f"{SERVICE_TOKEN_PREFIX}.{service_id}.{secrets.token_urlsafe(32)}"
        self.store.put_credential(
            Credential(service_id, "service", frozenset(roles), _sha256(token), self.clock.now())
        )
        return token

    def disable(self, principal_id: str) -> bool:
        cred = self.store.credential(principal_id)
        if cred is None:
            return False
        self.store.put_credential(replace(cred, disabled_at=self.clock.now()))
        return True

    def login(self, user_id: str, password: str, client_address: str = "") -> str:
        """A new session token for the user. Raises AccessRefused: `login-throttled` (with how long
        to wait) after repeated failures for this user name or from this address, else the same
        refusal, after the same work, for an unknown user name as for a wrong password."""
        now = self.clock.now()
        keys = [f"user:{user_id.strip().lower()}", f"addr:{client_address}"]
        if (wait := self.throttle.wait(keys, now)) is not None:
            raise AccessRefused("login-throttled", max(1, int(wait.total_seconds() + 0.999)))
        cred = self.store.credential(user_id.strip())
        if self._decoy is None:
            self._decoy = self.hasher.hash(secrets.token_urlsafe(18))
        try:
            self.hasher.verify(cred.secret_hash if cred is not None else self._decoy, password)
            cred = self._usable(cred, "user")
        except (VerificationError, InvalidHashError, AccessRefused):
            self.throttle.failed(keys, now)
            raise AccessRefused("bad-credentials") from None
        self.throttle.succeeded(keys[:1])
        token = secrets.token_urlsafe(32)
        self.store.add_session(_sha256(token), cred.principal_id, self.clock.now() + self.session_lifetime)
        return token

    def logout(self, session_token: str) -> None:
        self.store.end_session(_sha256(session_token))

    def from_session(self, session_token: str) -> Actor:
        found = self.store.session(_sha256(session_token))
        if found is None:
            raise AccessRefused("unknown-session")
        principal_id, expires_at = found
        if expires_at <= self.clock.now():
            raise AccessRefused("session-expired")
        cred = self._usable(self.store.credential(principal_id), "user")
        return Actor(cred.principal_id, frozenset(Role(r) for r in cred.roles), "user")

    def from_token(self, token: str) -> Actor:
        parts = token.split(".", 2)
        if len(parts) != 3 or parts[0] != SERVICE_TOKEN_PREFIX:
            raise AccessRefused("malformed-token")
        cred = self._usable(self.store.credential(parts[1]), "service")
        if not hmac.compare_digest(cred.secret_hash, _sha256(token)):
            raise AccessRefused("bad-token")
        return Actor(cred.principal_id, frozenset(Role(r) for r in cred.roles), "service")

    @staticmethod
    def _usable(cred: Credential | None, kind: str) -> Credential:
        if cred is None or cred.kind != kind:
            raise AccessRefused("unknown-principal")
        if cred.disabled_at is not None:
            raise AccessRefused("disabled")
        return cred

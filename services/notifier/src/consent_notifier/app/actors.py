"""The authenticated principal a use case acts for."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.roles import Permission, Role, allowed
from .errors import Forbidden

__all__ = ["Actor"]


@dataclass(frozen=True, slots=True)
class Actor:
    principal_id: str  # personal user id or service id (art. 7)
    roles: frozenset[Role]
    kind: str = "user"  # user | service

    def require(self, permission: Permission) -> None:
        if not allowed(self.roles, permission):
            raise Forbidden(f"role {', '.join(sorted(self.roles)) or 'none'} may not {permission}")

"""Who may do what (regulation art. 7: access only with a personal user id)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Permission", "Role", "allowed"]


class Role(StrEnum):
    EMPLOYEE = "employee"  # medewerker: asks for decisions, records callbacks
    ADMINISTRATOR = "administrator"  # beheerder: edits the known-party registry
    MANAGEMENT = "management"  # directie: overrides a denial in a specific case


class Permission(StrEnum):
    REQUEST_DECISION = "request-decision"
    RECORD_CALLBACK = "record-callback"
    VIEW_DECISIONS = "view-decisions"
    VIEW_REGISTRY = "view-registry"
    EDIT_REGISTRY = "edit-registry"
    OVERRIDE = "override"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.EMPLOYEE: frozenset(
        {
            Permission.REQUEST_DECISION,
            Permission.RECORD_CALLBACK,
            Permission.VIEW_DECISIONS,
            Permission.VIEW_REGISTRY,
        }
    ),
    Role.ADMINISTRATOR: frozenset({Permission.EDIT_REGISTRY, Permission.VIEW_REGISTRY}),
    Role.MANAGEMENT: frozenset({Permission.OVERRIDE, Permission.VIEW_DECISIONS, Permission.VIEW_REGISTRY}),
}


def allowed(roles: frozenset[Role], permission: Permission) -> bool:
    """No role, no access."""
    return any(permission in GRANTS[r] for r in roles)

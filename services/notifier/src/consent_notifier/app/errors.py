"""Errors grouped by what the caller should do next; only adapters turn them into HTTP statuses."""

from __future__ import annotations

__all__ = ["Conflict", "Forbidden", "InputError", "NotFound", "NotifierError"]


class NotifierError(Exception):
    code = "notifier-error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class InputError(NotifierError):
    """Fix the input and try again; nothing was changed."""

    code = "invalid-input"


class NotFound(NotifierError):
    code = "not-found"


class Conflict(NotifierError):
    """The request contradicts what is already recorded; nothing was changed."""

    code = "conflict"


class Forbidden(NotifierError):
    """The actor's roles do not allow this."""

    code = "forbidden"

"""Checks of what users type, shared by the use cases: each refusal names the field."""

from __future__ import annotations

from ..core.phones import PhoneNumberError, normalise_number
from .errors import InputError

__all__ = ["identifier", "phone_number"]

_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-")


def identifier(value: str | None, field: str, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise InputError(f"{field} is required", field)
        return None
    if len(value) > 100 or not set(value) <= _ID_CHARS:
        raise InputError(f"{field} must be letters, digits and . _ : - (at most 100)", field)
    return value


def phone_number(value: str | None, field: str, required: bool = False) -> str | None:
    """E.164, or None when empty and not required."""
    if not (value or "").strip():
        if required:
            raise InputError(f"{field} is required", field)
        return None
    try:
        return normalise_number(value or "")
    except PhoneNumberError as exc:
        raise InputError(f"{field}: {exc}", field) from None

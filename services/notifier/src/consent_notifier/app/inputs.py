"""Checks of what users type, shared by the use cases: each refusal names the field."""

from __future__ import annotations

import re

from ledger_contracts.formats import ACTOR_ID_PATTERN, CODE_PATTERN

from ..core.phones import PhoneNumberError, normalise_number
from .errors import InputError

__all__ = ["code", "identifier", "person_code", "phone_number"]

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


def code(value: str | None, field: str) -> str:
    """A party's or a topic's id: what the ledger's entries name them by (ledger_contracts.formats
    Code): lowercase letters, '.' and '-', so no number of any kind fits."""
    found = identifier(value, field) or ""
    if len(found) > 64 or not re.fullmatch(CODE_PATTERN, found):
        raise InputError(f"{field} must be lowercase letters, '.' and '-' (at most 64), e.g. uwv", field)
    return found


def person_code(value: str | None, field: str, required: bool = True) -> str | None:
    """A known person's id as the ledger's entries name them (an ActorId): a lowercase letter
    first, then letters, '.', '_', '-' and at most four digits in all, so that no BSN, phone number
    or date fits (at most 64), e.g. uwv-jansen."""
    found = identifier(value, field, required)
    if found is None:
        return None
    if len(found) > 64 or not re.fullmatch(ACTOR_ID_PATTERN, found):
        raise InputError(
            f"{field} must start with a lowercase letter and hold lowercase letters, '.', '_', '-' and "
            "at most four digits in all (at most 64), e.g. uwv-jansen",
            field,
        )
    return found


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

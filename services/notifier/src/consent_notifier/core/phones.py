"""Phone numbers, normalised to E.164 (ITU-T E.164) with the phonenumbers library."""

from __future__ import annotations

import phonenumbers

__all__ = ["DEFAULT_REGION", "PhoneNumberError", "as_dialled", "mask_number", "normalise_number"]

DEFAULT_REGION = "NL"  # numbers written the Dutch way, e.g. 0527 123 456


class PhoneNumberError(ValueError):
    """Not a valid phone number; the message says why, without repeating the number."""


def normalise_number(text: str, region: str = DEFAULT_REGION) -> str:
    """'0527-123456', '+31 527 123 456' -> '+31527123456'. Raises PhoneNumberError."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise PhoneNumberError("not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneNumberError("not a valid phone number for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def as_dialled(e164: str, region: str = DEFAULT_REGION) -> str:
    """As an employee in `region` dials it: '+31527123456' -> '0527 123 456'; a foreign number in
    international form, '+32 2 123 45 67'. Anything unreadable is shown as it is."""
    try:
        parsed = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(parsed) == region
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, style)


def mask_number(e164: str) -> str:
    """For logs and lists that only need to tell numbers apart: '+31527123456' -> '+31******456'."""
    return e164[:3] + "*" * max(len(e164) - 6, 0) + e164[-3:]

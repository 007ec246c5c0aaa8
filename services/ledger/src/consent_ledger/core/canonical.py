"""Canonical JSON (RFC 8785, JCS) for the values the ledger writes.

Ledger entries hold only objects with ASCII keys, strings, integers, booleans and null.
For those, sorted keys + minimal separators + literal UTF-8 (orjson's output) is exactly RFC 8785:
RFC 8785 §3.2.3 sorts by UTF-16 code units, which equals code point order for ASCII keys,
and §3.2.2.3 number serialisation only differs from Python's for floats, which are refused.
tests/ledger/core/test_canonical.py cross-checks against an independent RFC 8785 implementation.
"""

from __future__ import annotations

from typing import Any

import orjson

from .errors import Refused

__all__ = ["CanonicalError", "canonical_bytes"]


class CanonicalError(Refused, ValueError):
    """The value is outside the subset the ledger canonicalises."""


def _check(value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str) or not k.isascii():
                raise CanonicalError(f"object keys must be ASCII strings, got {k!r}")
            _check(v)
    elif isinstance(value, list):
        for v in value:
            _check(v)
    elif isinstance(value, float):
        raise CanonicalError("floats are not allowed in ledger entries")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53 - 1:
        raise CanonicalError("integers must be within +-(2**53 - 1) (RFC 8785 §3.2.2.3)")
    elif not (value is None or isinstance(value, str | int | bool)):
        raise CanonicalError(f"unsupported type {type(value).__name__}")


def canonical_bytes(value: Any, *, checked: bool = True) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of `value` (dict/list/str/int/bool/None).

    `checked=False` skips the subset check; only for documents built from the contract
    models, which have no float fields (tests/contracts/test_contracts.py holds that line).
    """
    if checked:
        _check(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)

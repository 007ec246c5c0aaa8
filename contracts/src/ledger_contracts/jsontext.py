"""Reading an event body as JSON, fast, with the same answer for every body as the standard library."""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["read_json"]


def read_json(body: bytes | str) -> Any:
    """By orjson, three times faster; what orjson refuses (NaN, a lone surrogate, an integer beyond
    64 bits, deep nesting) by the standard library, which raises what it raised before."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)

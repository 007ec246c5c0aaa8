"""Every field of every event is classified; the ledger treats it by its class (DESIGN.md invariant 9).

- `clear`: a closed vocabulary or a strict format that cannot hold a BSN or free text; written on
  the chain as sent, permanent.
- `pseudonym`: the data subject. The ledger turns it into a pseudonym it keeps outside the chain and
  writes on the chain only a per-entry reference that nothing links to the person once the subject's
  key is destroyed (docs/ledger-format.md §5).
- `personal`: names, numbers and every free-text field; sealed under the subject's key (§6), so it
  can be erased.

A model's field that holds another model is classified by that model's fields. `plan(model)` lists
the classified leaves by path; tests/contracts/test_privacy.py fails on any field without a class.
"""

from __future__ import annotations

import types
import typing
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "PRIVACY_KEY",
    "Privacy",
    "Unclassified",
    "clear",
    "merge_personal",
    "model_of",
    "personal",
    "plan",
    "pseudonym",
    "split_personal",
]

PRIVACY_KEY = "x-privacy"  # the JSON Schema keyword producers see on each field
LIST_ITEM = "*"  # a path element standing for every item of a list


class Privacy(StrEnum):
    CLEAR = "clear"
    PSEUDONYM = "pseudonym"
    PERSONAL = "personal"


class Unclassified(TypeError):
    """A contract field has no privacy class: the path names it."""


def _classified(kind: Privacy, default: Any, kwargs: dict[str, Any]) -> Any:
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra[PRIVACY_KEY] = str(kind)
    return Field(default, json_schema_extra=extra, **kwargs)


def clear(default: Any = ..., **kwargs: Any) -> Any:
    """A vocabulary or strict-format field: on the chain as sent."""
    return _classified(Privacy.CLEAR, default, kwargs)


def personal(default: Any = ..., **kwargs: Any) -> Any:
    """Names, numbers, free text: sealed under the subject's key."""
    return _classified(Privacy.PERSONAL, default, kwargs)


def pseudonym(default: Any = ..., **kwargs: Any) -> Any:
    """The data subject's identifier: never on the chain."""
    return _classified(Privacy.PSEUDONYM, default, kwargs)


def model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds (directly, optionally, or as list items) and whether it is a list."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return model_of(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found = [model_of(a) for a in typing.get_args(annotation) if a is not type(None)]
        return next(((m, many) for m, many in found if m is not None), (None, False))
    if origin is list:
        inner, _ = model_of(typing.get_args(annotation)[0])
        return inner, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


@cache
def plan(model: type[BaseModel]) -> tuple[tuple[tuple[str, ...], Privacy], ...]:
    """(path, class) of every leaf field of `model`; raises Unclassified naming the first without."""
    out: list[tuple[tuple[str, ...], Privacy]] = []
    for name, info in model.model_fields.items():
        inner, many = model_of(info.annotation)
        if inner is not None:
            prefix = (name, LIST_ITEM) if many else (name,)
            out.extend((prefix + path, kind) for path, kind in plan(inner))
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        kind = extra.get(PRIVACY_KEY)
        if kind is None:
            raise Unclassified(f"{model.__name__}.{name} has no privacy class ({PRIVACY_KEY})")
        out.append(((name,), Privacy(str(kind))))
    return tuple(out)


def split_personal(doc: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """Remove every `personal` value from `doc` (a model's JSON dump) and return them in a document
    of the same shape (lists keep their positions). `doc` is changed in place."""
    personal_doc: dict[str, Any] = {}
    for path, kind in plan(model):
        if kind is Privacy.PERSONAL:
            _move(doc, personal_doc, path)
    return personal_doc


def _move(src: Any, dst: dict[str, Any], path: tuple[str, ...]) -> None:
    name, rest = path[0], path[1:]
    if not isinstance(src, dict) or name not in src:
        return
    if not rest:
        dst[name] = src.pop(name)
        return
    if rest[0] == LIST_ITEM:
        items = src[name] if isinstance(src[name], list) else []
        out = dst.setdefault(name, [{} for _ in items])
        for item, target in zip(items, out, strict=True):
            if rest[1:]:
                _move(item, target, rest[1:])
        return
    _move(src[name], dst.setdefault(name, {}), rest)
    if not dst[name]:
        del dst[name]


def merge_personal(doc: dict[str, Any], personal_doc: dict[str, Any]) -> dict[str, Any]:
    """The inverse of split_personal: `doc` with the opened personal values put back (a new dict)."""
    out = dict(doc)
    for key, value in personal_doc.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_personal(out[key], value)
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = [
                merge_personal(a, b) if isinstance(a, dict) and isinstance(b, dict) else a
                for a, b in zip(out[key], value, strict=False)
            ]
        else:
            out[key] = value
    return out

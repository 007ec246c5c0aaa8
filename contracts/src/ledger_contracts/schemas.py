"""Generate the JSON Schemas in contracts/schemas/ from the models.

Run `python -m ledger_contracts.schemas` after changing a model; a test fails on drift.
"""

from __future__ import annotations

import json
from pathlib import Path

from .events import EVENT_ADAPTER, EVENT_TYPES
from .phone_requests import PhoneCallRequest
from .register import ProcessingRegister

__all__ = ["render_schemas", "write_schemas"]

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def render_schemas() -> dict[str, str]:
    """File name -> schema text, one per event type, the union of all events, the notifier's phone
    request and the processing register (register/*.yaml)."""
    out = {
        "event.schema.json": EVENT_ADAPTER.json_schema(),
        "phone-request.schema.json": PhoneCallRequest.model_json_schema(),
        "register.schema.json": ProcessingRegister.model_json_schema(),
    }
    for name, cls in EVENT_TYPES.items():
        out[f"{name}.schema.json"] = cls.model_json_schema()
    return {k: json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False) + "\n" for k, v in out.items()}


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_schemas():
        print(p)

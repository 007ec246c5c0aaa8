"""The processing register as data: read and check a register file, compare two versions, and
publish one on its controller's chain (DESIGN.md invariant 11)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from ledger_contracts.events import RegisterPublished, RegisterPublishedData
from ledger_contracts.register import ProcessingRegister
from pydantic import ValidationError

from ..core.errors import Refused
from ..core.pseudonyms import Pseudonymizer
from ..rules.register import register_version
from .append import AppendOutcome, BatchAppender
from .records import prepare_event

__all__ = [
    "OPERATIONS_ACTIVITY",
    "LoadedRegister",
    "RegisterInvalid",
    "diff_registers",
    "load_register",
    "publish_register",
    "publish_register_files",
    "warnings_of",
]

OPERATIONS_ACTIVITY = "ledger-beheer"  # the ledger's own records on a controller's chain
PRODUCER = "ledger-operations"


class RegisterInvalid(Refused, ValueError):
    """The file is no register: the message names each failing field (and may quote the file);
    `errors` are pydantic's, for an answer that quotes nothing."""

    def __init__(self, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass(frozen=True)
class LoadedRegister:
    register: ProcessingRegister
    document: dict[str, Any]  # JSON form, what the version is computed over
    version: str


def load_register(path: Path | str) -> LoadedRegister:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RegisterInvalid(f"{path}: cannot be read as YAML: {exc}") from None
    return parse_register(raw, str(path))


def parse_register(raw: Any, where: str = "register") -> LoadedRegister:
    try:
        register = ProcessingRegister.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}" for e in exc.errors()]
        raise RegisterInvalid(f"{where}:\n  " + "\n  ".join(lines), exc.errors()) from None
    document = register.model_dump(mode="json")
    return LoadedRegister(register, document, register_version(document))


def from_stored(document_json: str) -> LoadedRegister:
    return parse_register(json.loads(document_json), "stored register")


def warnings_of(register: ProcessingRegister) -> list[str]:
    """What a privacy officer should look at, though the register is valid."""
    out = []
    for a in register.activities:
        if not a.retention:
            out.append(f"{a.id}: no retention rule; its data are kept until one is added")
        if not a.recipient_categories:
            out.append(f"{a.id}: no recipient categories; every disclosure under it is a violation")
    return out


def diff_registers(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Line per change, by activity and field: '+ activity x', '- activity y', '~ x.retention: …'."""
    if old is None:
        return [f"+ activity {a['id']}" for a in new["activities"]]
    out = []
    for key in sorted(k for k in new if k != "activities"):
        if old.get(key) != new[key]:
            out.append(f"~ {key}: {_j(old.get(key))} -> {_j(new[key])}")
    before = {a["id"]: a for a in old["activities"]}
    after = {a["id"]: a for a in new["activities"]}
    for aid in sorted(before.keys() - after.keys()):
        out.append(f"- activity {aid}")
    for aid in sorted(after.keys() - before.keys()):
        out.append(f"+ activity {aid}")
    for aid in sorted(before.keys() & after.keys()):
        for field in sorted(before[aid].keys() | after[aid].keys()):
            a, b = before[aid].get(field), after[aid].get(field)
            if a != b:
                out.append(f"~ {aid}.{field}: {_j(a)} -> {_j(b)}")
    return out


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def publish_register(
    appender: BatchAppender,
    pseudonyms: Pseudonymizer,
    loaded: LoadedRegister,
    by: str,
    now: datetime,
) -> AppendOutcome:
    """Append the register on its controller's chain; it is in force for every later entry."""
    event = RegisterPublished(
        event_id=str(uuid.uuid4()),
        occurred_at=now,
        producer=PRODUCER,
        controller=loaded.register.controller,
        processing_activity=OPERATIONS_ACTIVITY,
        data=RegisterPublishedData(
            register_version=loaded.version, document=loaded.register, published_by=by
        ),
    )
    return appender.append([prepare_event(event, pseudonyms)], [f"register/{loaded.version[:16]}"])


def publish_register_files(privacy: Any, folder: Path) -> list[str]:
    """Development mode: publish each register file in `folder` whose version is not in force."""
    if not folder.is_dir():
        return []
    in_force = privacy.reads.registers_in_force()
    said = []
    for path in sorted(folder.glob("*.yaml")):
        loaded = load_register(path)
        standing = in_force.get(loaded.register.controller)
        if standing and standing[0] == loaded.version:
            continue
        publish_register(privacy.appender, privacy.pseudonyms, loaded, "development", datetime.now(UTC))
        said.append(f"register of {loaded.register.controller} published from {path} ({loaded.version[:12]})")
    return said

"""The processing register and its violations over HTTP. Publishing a register needs scope
`register:admin` and is itself an entry on the controller's chain naming the client; reading the
registers in force and the violations needs `register:admin` or `ledger:audit`, and each read is
logged with the client (http_consent.require_scope)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Path, Query, Request
from ledger_contracts.formats import CHAIN_PATTERN, CODE_PATTERN
from ledger_contracts.problems import ApiRefusal, describe_invalid, problem_responses
from pydantic import BaseModel, Field

from ...app.append import BatchAppender
from ...app.clients import Scope
from ...app.registers import (
    LoadedRegister,
    RegisterInvalid,
    diff_registers,
    parse_register,
    publish_register,
    warnings_of,
)
from ...core.pseudonyms import Pseudonymizer
from ..sql.retention import SqlRetentionStore
from ..sql.tables import fixed_utc
from .access import ClientDep, Deps, require_scope
from .consent_models import Moment

__all__ = ["RegisterApiDeps", "registers_router"]

MAX_REGISTER_BYTES = 1_000_000
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
ControllerPath = Annotated[str, Path(pattern=CHAIN_PATTERN)]


class RegisterApiDeps:
    def __init__(self, appender: BatchAppender, pseudonyms: Pseudonymizer, reads: SqlRetentionStore) -> None:
        self.appender, self.pseudonyms, self.reads = appender, pseudonyms, reads


class RegisterOut(BaseModel):
    controller: str
    version: str = Field(description="SHA-256 of the register's canonical JSON")
    valid_from: str
    activities: int


class PublishedOut(BaseModel):
    controller: str
    version: str
    published: bool = Field(description="False when this version was already in force, or on a dry run")
    entry: int | None = Field(None, description="The register's entry on the controller's chain")
    changes: list[str] = Field(
        description="What it changes against the version in force, by activity and field"
    )
    warnings: list[str] = Field(description="What the privacy officer should look at")


class ViolationOut(BaseModel):
    recorded_at: str
    chain: str
    seq: int
    event_type: str
    activity: str
    event_id: str
    reason: str
    register_version: str


def _deps(request: Request) -> RegisterApiDeps:
    return request.app.state.registers  # type: ignore[no-any-return]


Registers = Annotated[RegisterApiDeps, Depends(_deps)]

registers_router = APIRouter(
    prefix="/v1",
    tags=["register"],
    responses=problem_responses(400, 401, 403, 404, 413, 415, 422, 503),
)


def _out(version: str, document: dict[str, Any]) -> RegisterOut:
    return RegisterOut(
        controller=document["controller"],
        version=version,
        valid_from=str(document["valid_from"]),
        activities=len(document["activities"]),
    )


@registers_router.get("/registers", response_model=list[RegisterOut])
def registers(request: Request, d: Deps, g: Registers, client: ClientDep) -> list[RegisterOut]:
    """The register version in force per controller."""
    require_scope(client, Scope.REGISTER_ADMIN, d, request, Scope.AUDIT)
    return [_out(v, json.loads(doc)) for _c, (v, doc) in sorted(g.reads.registers_in_force().items())]


@registers_router.get("/registers/{controller}")
def register_document(
    controller: ControllerPath, request: Request, d: Deps, g: Registers, client: ClientDep
) -> Any:
    """The register in force at `controller`, as published on its chain (JSON)."""
    require_scope(client, Scope.REGISTER_ADMIN, d, request, Scope.AUDIT)
    standing = g.reads.registers_in_force().get(controller)
    if standing is None:
        raise ApiRefusal(404, "no-register", "no register is in force for this controller", "controller")
    return {"version": standing[0], "document": json.loads(standing[1])}


@registers_router.get("/registers/{controller}/activities/{activity}")
def register_activity(
    controller: ControllerPath,
    activity: Annotated[str, Path(pattern=CODE_PATTERN)],
    request: Request,
    d: Deps,
    g: Registers,
    client: ClientDep,
) -> Any:
    """One processing activity of the register in force: where an LDV record's
    dpl.core.processing_activity_id points."""
    require_scope(client, Scope.REGISTER_ADMIN, d, request, Scope.AUDIT)
    standing = g.reads.registers_in_force().get(controller)
    if standing is None:
        raise ApiRefusal(404, "no-register", "no register is in force for this controller", "controller")
    document = json.loads(standing[1])
    found = next((a for a in document["activities"] if a.get("id") == activity), None)
    if found is None:
        raise ApiRefusal(404, "unknown-activity", "the register in force has no such activity", "activity")
    return {"controller": controller, "version": standing[0], "activity": found}


@registers_router.post(
    "/registers",
    response_model=PublishedOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A register file as in register/ (YAML), or the same as JSON",
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {}},
            },
        }
    },
)
async def publish(
    request: Request,
    d: Deps,
    g: Registers,
    client: ClientDep,
    dry_run: Annotated[bool, Query(description="Check and compare only; publish nothing")] = False,
) -> PublishedOut:
    """Publish a register on its controller's chain: in force for every entry appended after it."""
    require_scope(client, Scope.REGISTER_ADMIN, d, request)
    loaded = _parse(await _body(request), request.headers.get("content-type", ""))
    standing = g.reads.registers_in_force().get(loaded.register.controller)
    old = json.loads(standing[1]) if standing else None
    out = PublishedOut(
        controller=loaded.register.controller,
        version=loaded.version,
        published=False,
        changes=diff_registers(old, loaded.document),
        warnings=warnings_of(loaded.register),
    )
    if dry_run or (standing and standing[0] == loaded.version):
        return out
    outcome = publish_register(g.appender, g.pseudonyms, loaded, client.actor, datetime.now(UTC))
    out.published, out.entry = True, outcome.heads[loaded.register.controller].length - 1
    return out


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_REGISTER_BYTES:
        raise ApiRefusal(413, "too-large", f"a register is at most {MAX_REGISTER_BYTES} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REGISTER_BYTES:
            raise ApiRefusal(413, "too-large", f"a register is at most {MAX_REGISTER_BYTES} bytes")
    return body


def _parse(body: bytes, content_type: str) -> LoadedRegister:
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
        if kind == "application/json":
            raw = json.loads(text)
        elif kind in YAML_TYPES:
            raw = _plain_yaml(text)
        else:
            raise ApiRefusal(415, "unsupported-media-type", "send application/yaml or application/json")
        return parse_register(raw, "register")
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        if isinstance(exc, RegisterInvalid):
            detail, field = describe_invalid(exc.errors) if exc.errors else ("not a register", None)
            raise ApiRefusal(422, "invalid-register", detail, field) from None
        raise ApiRefusal(
            422, "unreadable-register", f"not readable as {kind}: {type(exc).__name__}"
        ) from None


def _plain_yaml(text: str) -> Any:
    """YAML without anchors and aliases: an alias can make a small document expand without bound."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise ValueError("YAML aliases are not accepted in a register")
    return yaml.safe_load(text)


@registers_router.get("/violations", response_model=list[ViolationOut])
def violations(
    request: Request,
    d: Deps,
    g: Registers,
    client: ClientDep,
    since: Annotated[Moment | None, Query(description="Only those recorded since")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> list[ViolationOut]:
    """Entries that do not match the register in force (appended all the same), newest first."""
    require_scope(client, Scope.REGISTER_ADMIN, d, request, Scope.AUDIT)
    rows = g.reads.violations(fixed_utc(since) if since else None, limit)
    return [ViolationOut.model_validate(r) for r in rows]

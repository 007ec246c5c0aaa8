"""Checkpoints, proofs, receipts and cosignatures over HTTP. Checkpoints and proofs hold only
hashes and are public (witnesses and auditors fetch them); a receipt holds an entry and needs
a client with scope ledger:audit, as does asking for a checkpoint now."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import PlainTextResponse
from ledger_contracts.formats import CHAIN_PATTERN
from ledger_contracts.problems import ApiRefusal, problem_responses
from pydantic import BaseModel, Field

from ...app.checkpoints import CheckpointRefused, Checkpoints
from ...app.clients import Scope
from .access import ClientDep, Deps, require_scope

__all__ = ["proofs_router"]

NOTE = "text/plain; charset=utf-8"
STATUS = {
    "unknown-chain": 404,
    "unknown-entry": 404,
    "no-checkpoint": 404,
    "not-yet-checkpointed": 409,
    "beyond-tree": 422,
    "no-proof": 422,
    "malformed-note": 422,
    "unknown-checkpoint": 422,
    "bad-cosignature": 422,
    "unknown-witness": 403,
    "inconsistent-tree": 500,
}

ChainPath = Annotated[str, Path(pattern=CHAIN_PATTERN, description="The chain (controller)")]

MAX_POSITION = 2**63 - 1  # a SQL BIGINT (SQLite INTEGER): no tree is larger; a larger number is a 422


class InclusionOut(BaseModel):
    chain: str
    index: int
    size: int = Field(description="The tree size the proof is for (default: the latest checkpoint's)")
    proof: list[str] = Field(description="Hex SHA-256 hashes, RFC 9162 PATH order")


class ConsistencyOut(BaseModel):
    chain: str
    old: int
    new: int
    proof: list[str] = Field(description="Hex SHA-256 hashes, RFC 9162 PROOF order")


class CosignedOut(BaseModel):
    chain: str
    accepted: list[str] = Field(description="The witnesses whose cosignatures were kept")


def _checkpoints(request: Request) -> Checkpoints:
    return request.app.state.checkpoints  # type: ignore[no-any-return]


async def _run(request: Request, call: Any, *args: Any) -> Any:
    """A use case off the event loop, its refusal as an HTTP refusal."""
    try:
        return await asyncio.to_thread(call, *args)
    except CheckpointRefused as exc:
        raise ApiRefusal(STATUS.get(exc.reason, 422), exc.reason, str(exc)) from None


proofs_router = APIRouter(
    prefix="/v1/chains",
    tags=["integrity"],
    responses=problem_responses(400, 401, 403, 404, 409, 422, 500, 503),
)
NOTE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {NOTE: {}}, "description": "A signed note"}
}


@proofs_router.get("/{chain}/checkpoint", responses=NOTE_RESPONSE)
async def latest_checkpoint(
    chain: ChainPath, request: Request, size: int | None = Query(None, ge=1, le=MAX_POSITION)
) -> Any:
    """The latest signed checkpoint (or the one at `size`), with the witnesses' cosignatures."""
    return PlainTextResponse(await _run(request, _checkpoints(request).note, chain, size), media_type=NOTE)


@proofs_router.post("/{chain}/checkpoints", responses=NOTE_RESPONSE)
async def checkpoint_now(chain: ChainPath, request: Request, d: Deps, client: ClientDep) -> Any:
    """Sign a checkpoint now if the chain grew since the last one; returns the current one."""
    require_scope(client, Scope.AUDIT, d, request)
    cps = _checkpoints(request)
    [stored] = await _run(request, cps.issue, chain)
    return PlainTextResponse(await _run(request, cps.note, chain, stored.size), media_type=NOTE)


@proofs_router.get("/{chain}/proofs/inclusion", response_model=InclusionOut)
async def inclusion(
    chain: ChainPath,
    request: Request,
    index: int = Query(ge=0, le=MAX_POSITION),
    size: int | None = Query(None, ge=1, le=MAX_POSITION),
) -> InclusionOut:
    n, proof = await _run(request, _checkpoints(request).inclusion, chain, index, size)
    return InclusionOut(chain=chain, index=index, size=n, proof=[h.hex() for h in proof])


@proofs_router.get("/{chain}/proofs/consistency", response_model=ConsistencyOut)
async def consistency(
    chain: ChainPath,
    request: Request,
    old: int = Query(ge=0, le=MAX_POSITION),
    new: int | None = Query(None, ge=1, le=MAX_POSITION),
) -> ConsistencyOut:
    new, proof = await _run(request, _checkpoints(request).consistency, chain, old, new)
    return ConsistencyOut(chain=chain, old=old, new=new, proof=[h.hex() for h in proof])


@proofs_router.get("/{chain}/receipts/{seq}")
async def receipt(
    chain: ChainPath,
    seq: Annotated[int, Path(ge=0, le=MAX_POSITION)],
    request: Request,
    d: Deps,
    client: ClientDep,
) -> dict[str, Any]:
    """Entry `seq` with its inclusion proof and the signed checkpoint: verifiable offline with
    `consent-ledger verify-receipt FILE --key <public key>`."""
    require_scope(client, Scope.AUDIT, d, request)
    return await _run(request, _checkpoints(request).receipt, chain, seq)  # type: ignore[no-any-return]


@proofs_router.post("/{chain}/cosignatures", response_model=CosignedOut)
async def cosign(
    chain: ChainPath,
    request: Request,
    note: Annotated[str, Body(media_type="text/plain", description="The checkpoint with cosignature lines")],
) -> CosignedOut:
    """A witness hands in its cosignature: the checkpoint as the ledger issued it, with the
    witness's signature lines. Only known witnesses' valid cosignatures are kept."""
    accepted = await _run(request, _checkpoints(request).accept_cosignatures, chain, note)
    return CosignedOut(chain=chain, accepted=accepted)

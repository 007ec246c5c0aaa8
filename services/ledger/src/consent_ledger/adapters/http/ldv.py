"""`GET /v1/ldv/records`: the Logboek Dataverwerkingen records of the ledger's disclosures, consent
events and phone decisions (app.ldv), a page at a time, for LDV tooling that reads over HTTP
(scope ledger:audit; the subject ids are encrypted under the LDV key)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from ledger_contracts.problems import ApiRefusal, problem_responses
from pydantic import BaseModel, Field

from ...app.clients import Scope
from ...app.ldv import ldv_records
from ..sql.ldv import ldv_entries
from ..sql.store import SqlLedgerStore
from .access import ClientDep, Deps, require_scope

__all__ = ["LdvApiDeps", "ldv_router"]

_AFTER = re.compile(r"^(?P<chain>[a-z](?:[a-z-]{0,62}[a-z])?)/(?P<seq>[0-9]{1,18})$")


@dataclass
class LdvApiDeps:
    store: SqlLedgerStore
    key: bytes
    public_url: str
    version: str
    keks: tuple[bytes, ...] = ()  # the key-encryption key and previous ones: to open traceparents


class LdvPage(BaseModel):
    records: list[dict[str, Any]] = Field(description="LDV records, in chain and entry order")
    next: str | None = Field(description="`after` for the next page (chain/seq of the last entry read)")


def _deps(request: Request) -> LdvApiDeps:
    deps: LdvApiDeps = request.app.state.ldv
    return deps


Ldv = Annotated[LdvApiDeps, Depends(_deps)]
ldv_router = APIRouter(prefix="/v1/ldv", tags=["ldv"], responses=problem_responses(401, 403, 422))


@ldv_router.get("/records", response_model=LdvPage)
async def records(
    request: Request,
    d: Deps,
    g: Ldv,
    client: ClientDep,
    chain: Annotated[str | None, Query(pattern=r"^[a-z](?:[a-z-]{0,62}[a-z])?$")] = None,
    after: Annotated[str | None, Query(description="chain/seq: the page after this entry")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> LdvPage:
    require_scope(client, Scope.AUDIT, d, request)
    position = None
    if after is not None:
        match = _AFTER.match(after)
        if match is None:
            raise ApiRefusal(422, "invalid-input", "after is <chain>/<seq>", "after")
        position = (match["chain"], int(match["seq"]))

    def page() -> LdvPage:
        entries = list(islice(ldv_entries(g.store, chain, position, page=limit, keks=g.keks), limit))
        found = list(ldv_records(entries, g.public_url, g.key, g.version))
        last = f"{entries[-1].chain}/{entries[-1].seq}" if len(entries) == limit else None
        return LdvPage(records=found, next=last)

    return await asyncio.to_thread(page)

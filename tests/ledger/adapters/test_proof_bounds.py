"""A position in a tree that no tree can reach (beyond a SQL BIGINT) is refused as input (422),
never met as a database error (500). Found by schemathesis: a size beyond SQLite's INTEGER raised
OverflowError."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.support.privacy_world import World

PUBLIC = "https://ledger.gemeente.example"


@pytest.fixture
def world(tmp_path: Path):
    w = World(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path / "home")
    yield w
    w.store.dispose()


async def test_a_tree_position_beyond_any_tree_is_refused_not_an_error(world):
    ledger, app = world.http_api()
    clients = ledger.clients
    audit = clients.add("fg", ["ledger:audit"], datetime.now(UTC))
    huge = str(2**64)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as web:
        auth = {"Authorization": f"Bearer {audit}"}
        for path, params in [
            ("/v1/chains/werkcorporatie/checkpoint", {"size": huge}),
            ("/v1/chains/werkcorporatie/proofs/inclusion", {"index": huge}),
            ("/v1/chains/werkcorporatie/proofs/consistency", {"old": "1", "new": huge}),
            (f"/v1/chains/werkcorporatie/receipts/{huge}", {}),
        ]:
            answer = await web.get(path, params=params, headers=auth)
            assert answer.status_code == 422, (path, answer.status_code, answer.text[:200])

"""Issue 28 item 6: a destroyed key is gone from every file of the live store. Before the retention
run the wrapped keys are found in the database files (so the scan can fail); after it, neither the
SQLite main file nor its WAL, nor any relation file of the PostgreSQL database, holds one."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from consent_platform.demo import make_bsn
from sqlalchemy import text

from tests.support.factories import disclosure
from tests.support.privacy_world import DAY, T0, World, lifecycle

CHAIN, ACTIVITY = "gemeente-arnhem", "begeleiding-naar-werk"


def _files(world: World, url: str) -> list[Path]:
    """Every file of the live store: SQLite's main file, WAL and shared memory; PostgreSQL's
    database directory (the key table's files among them), after a checkpoint wrote its buffers."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return sorted(p for p in path.parent.glob(path.name + "*") if p.is_file())
    with world.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CHECKPOINT")
        data = Path(conn.exec_driver_sql("SHOW data_directory").scalar_one())
        relation = conn.execute(text("SELECT pg_relation_filepath('subject_key')")).scalar_one()
    return sorted(p for p in (data / relation).parent.iterdir() if p.is_file())


def _holding(files: list[Path], keys: list[bytes]) -> int:
    blob = b"".join(p.read_bytes() for p in files)
    return sum(k in blob for k in keys)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_file_of_the_live_store_holds_a_destroyed_key(backend, tmp_path, request):
    url = (
        f"sqlite:///{tmp_path / 'ledger.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    world = World(url, tmp_path)
    try:
        rng = random.Random(28)
        bsns = list(dict.fromkeys(make_bsn(rng) for _ in range(11)))
        for bsn in bsns:
            mine = disclosure(
                bsn=bsn, controller=CHAIN, processing_activity=ACTIVITY, occurred_at=T0.isoformat()
            )
            mine["data"]["recipient"]["category"] = "uwv"
            world.add(mine, lifecycle("case.aborted", CHAIN, ACTIVITY, T0, bsn=bsn))
        with world.store.engine.connect() as conn:
            keys = [bytes(w) for (w,) in conn.execute(text("SELECT wrapped FROM subject_key"))]
        assert len(keys) >= len(bsns)
        assert _holding(_files(world, url), keys) == len(keys)  # found before: the scan can fail

        world.clock.at = T0 + timedelta(weeks=6) + DAY
        report = world.retention.run()
        assert report.erased_keys == len(bsns)
        with world.store.engine.connect() as conn:
            left = [bytes(w) for (w,) in conn.execute(text("SELECT wrapped FROM subject_key"))]
        destroyed = [k for k in keys if k not in left]
        assert len(destroyed) == len(bsns)
        assert _holding(_files(world, url), destroyed) == 0
    finally:
        world.store.dispose()

"""Issue 28 item 17: the SQLite files of the ledger and of the notifier (the database, its WAL and
shared memory) are their owner's only: they hold wrapped keys, sealed data, the registry."""

from __future__ import annotations

import stat

import pytest
from consent_ledger.adapters.sql import engine as ledger_engine
from consent_notifier.adapters.sql import engine as notifier_engine
from sqlalchemy import text


@pytest.mark.parametrize(("module", "name"), [(ledger_engine, "ledger.db"), (notifier_engine, "notifier.db")])
def test_the_sqlite_files_are_their_owner_s_only(tmp_path, module, name):
    db = tmp_path / name
    engine = module.make_engine(f"sqlite:///{db}")
    try:
        module.migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        made = [p for p in tmp_path.glob(f"{name}*") if p.is_file()]
        assert db in made and any(p.name.endswith("-wal") for p in made)
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in made} == {p.name: 0o600 for p in made}
    finally:
        engine.dispose()
    db.chmod(0o644)  # an older file is narrowed when it is opened again
    module.make_engine(f"sqlite:///{db}").dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600

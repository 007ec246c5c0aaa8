"""Verification is a use case (issue 30 item 3): a library user (or the HTTP API) calls
`app.verify.verify_ledger` on a database or an export and gets a verdict per chain with its
evidence, without the command line. Both databases; the same report from the export."""

from __future__ import annotations

import sqlite3

from consent_ledger.adapters.sql.audit import DatabaseSource
from consent_ledger.adapters.sql.tree import SqlTreeStore
from consent_ledger.app.checkpoints import Checkpoints
from consent_ledger.app.export import write_export
from consent_ledger.app.verify import ExportSource, verify_ledger
from consent_ledger.core.notes import NoteSigner
from sqlalchemy import text

from tests.support.factories import consent, disclosure
from tests.support.privacy_world import World


def _world(database_url, tmp_path) -> World:  # type: ignore[no-untyped-def]
    world = World(database_url, tmp_path / "home")
    world.add(*(disclosure() for _ in range(7)), consent(), consent("withdrawn"))
    return world


def test_a_database_verifies_as_a_report_per_chain(database_url, tmp_path):
    world = _world(database_url, tmp_path)
    signer = NoteSigner.generate("ledger.example")
    Checkpoints(SqlTreeStore(world.store), [signer], "ledger.example").issue()
    world.add(disclosure())  # one entry after the checkpoint: intact, but not yet signed
    try:
        report = verify_ledger(DatabaseSource(database_url), [signer.verifier()])
        assert report.intact and report.unreadable is None
        chains = {c.chain: c for c in report.chains}
        assert set(chains) == set(world.store.chains())
        work = chains["werkcorporatie"]
        assert work.intact and work.entries_intact
        assert work.length == sum(1 for _ in world.store.iter_entries("werkcorporatie"))
        assert work.witnessed is not None and work.witnessed.latest is not None
        assert list(work.unsigned_tail) == [work.length - 1] and work.signed == work.length - 1
        assert set(report.keep) == set(chains)  # the checkpoints an auditor saves for next time

        # next time: the saved checkpoints are proved extended
        again = verify_ledger(DatabaseSource(database_url), [signer.verifier()], saved=report.keep)
        assert again.intact and all(c.witnessed and c.witnessed.saved for c in again.chains)

        # one body changed in place: the verdict names the chain, the entry and the damage
        with world.store.engine.begin() as conn:
            conn.execute(
                text("UPDATE ledger_entry SET body = :b WHERE chain = 'werkcorporatie' AND seq = 3"),
                {"b": b'{"tampered": true}'},
            )
        damaged = verify_ledger(DatabaseSource(database_url))
        assert not damaged.intact
        bad = {c.chain: c for c in damaged.chains}["werkcorporatie"]
        assert (bad.entries_intact, bad.position) == (False, 3) and bad.damage and bad.detail
        assert all(c.intact for c in damaged.chains if c.chain != "werkcorporatie")
    finally:
        world.store.dispose()


def test_an_export_gives_the_report_the_database_gives(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    world = _world(url, tmp_path)
    exported = tmp_path / "ledger.jsonl"
    with exported.open("wb") as out:
        write_export(world.store, out)
    world.store.dispose()
    from_db = verify_ledger(DatabaseSource(url))
    from_export = verify_ledger(ExportSource(exported))
    assert from_export.source == str(exported)
    assert [(c.chain, c.length, c.head_hash) for c in from_export.chains] == [
        (c.chain, c.length, c.head_hash) for c in from_db.chains
    ]
    assert from_export.intact and from_db.intact

    lines = exported.read_bytes().splitlines(keepends=True)
    exported.write_bytes(b"".join([lines[0], lines[1], b"not an entry\n", *lines[2:]]))
    unreadable = verify_ledger(ExportSource(exported))
    assert not unreadable.intact and unreadable.unreadable is not None
    assert unreadable.unreadable.line == 3 and unreadable.chains == []
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # the database itself is untouched
        assert conn.execute("SELECT count(*) FROM ledger_entry").fetchone()[0] > 9

"""`verify` on every core gives the sequential reference's verdict, word for word: from an
export (v2, and v1 as earlier versions wrote it) and from SQLite and PostgreSQL, intact and with
each kind of damage, which the reference then names. Worker processes are real (fork); the
ledgers are small, so the parts are made small."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from consent_ledger.adapters.sql import parts as sql_parts
from consent_ledger.adapters.sql.engine import make_engine, migrate
from consent_ledger.adapters.sql.store import SqlLedgerStore
from consent_ledger.app import export as export_module
from consent_ledger.app import parallel_verify
from consent_ledger.app.export import ExportParts, one_chain_run, parse_entry, plan_parts, write_export
from consent_ledger.app.ports import IndexRow
from consent_ledger.cli import app
from consent_ledger.core.entries import ChainHead, append_records
from consent_ledger.core.verify import StoredEntry
from sqlalchemy import text
from typer.testing import CliRunner

from tests.conftest import ENCRYPTION_KEY, PSEUDONYM_KEY

CHAINS = {"werkcorporatie": 700, "werkkrachtcentrale": 300}


def ledger() -> dict[str, tuple[ChainHead, list[StoredEntry]]]:
    out = {}
    for chain, n in CHAINS.items():
        records = [("event", {"event": {"event_id": f"{chain}-{i}", "note": f"entry {i}"}}) for i in range(n)]
        entries, head = append_records(ChainHead.genesis(chain), records, datetime(2026, 3, 1, tzinfo=UTC))
        out[chain] = (head, [StoredEntry(e.body, e.entry_hash) for e in entries], entries)
    return out  # type: ignore[return-value]


class Source:
    def __init__(self, chains):  # type: ignore[no-untyped-def]
        self.chains = chains

    def heads(self):  # type: ignore[no-untyped-def]
        return [head for head, _, _ in self.chains.values()]

    def iter_entries(self, chain):  # type: ignore[no-untyped-def]
        return iter(self.chains[chain][1])


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel_verify, "PARALLEL_FROM", 0)
    monkeypatch.setattr(export_module, "PART_BYTES", 9_000)  # about 40 lines a part
    monkeypatch.setattr(sql_parts, "PART_ENTRIES", 64)
    monkeypatch.setenv("LEDGER_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("LEDGER_ENCRYPTION_KEY", ENCRYPTION_KEY)


def verify(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["verify", *args])
    return result.exit_code, " ".join(result.output.split())  # as one line, however the console wrapped it


def both(*args: str) -> tuple[int, str]:
    """The verdict on every core, checked equal to the sequential reference's."""
    parallel = verify(*args, "--workers", "2")
    assert parallel == verify(*args, "--workers", "1")
    return parallel


def test_export_parts_are_read_as_the_reference_reads_them(tmp_path: Path, small_parts: None):
    path = tmp_path / "ledger.jsonl"
    with path.open("wb") as fh:
        write_export(Source(ledger()), fh)
    header, reader = plan_parts(path)
    assert [c.chain for c in header] == list(CHAINS) and len(reader.parts) > 10
    lines = path.read_bytes().split(b"\n")[1:-1]
    runs = [run for part in reader.parts for run in reader.read(part)]
    read = [(run.chain, b, h) for run in runs for b, h in zip(run.bodies, run.hashes, strict=True)]
    assert read == [parse_entry(line) for line in lines]
    chain, body, stored = parse_entry(lines[0])
    expected = next(iter(ledger().values()))[1][0]
    assert (chain, body, stored) == ("werkcorporatie", expected.body, expected.entry_hash)


@pytest.mark.parametrize(
    "edit",
    [
        lambda line: line.replace(b'"hash":"', b'"hash":" ', 1)[:-1],  # a space fromhex would skip
        lambda line: line[:-1] + b" ",  # no closing brace
        lambda line: line.replace(b"werkcorporatie", b"werkkrachtcentrale", 1),  # another chain
        lambda line: line + b"\r",
        lambda line: line.replace(b'","entry":', b'", "entry":'),
    ],
)
def test_a_line_out_of_shape_is_left_to_the_line_parser(edit):
    lines = _lines()
    assert one_chain_run(lines) is not None
    lines[5] = edit(lines[5])
    assert one_chain_run(lines) is None


def _lines() -> list[bytes]:
    import io

    buf = io.BytesIO()
    write_export(Source({"werkcorporatie": ledger()["werkcorporatie"]}), buf)
    return buf.getvalue().split(b"\n")[1:50]  # 49 entry lines


def test_export_intact_and_each_damage_named_as_the_reference_names_it(tmp_path: Path, small_parts: None):
    path = tmp_path / "ledger.jsonl"
    with path.open("wb") as fh:
        write_export(Source(ledger()), fh)
    code, out = both("--export", str(path))
    assert code == 0
    assert "intact chain 'werkcorporatie': 700 entries" in out
    assert "intact chain 'werkkrachtcentrale': 300 entries" in out
    lines = path.read_bytes().split(b"\n")
    damages = {
        "payload-changed": lambda ls: ls.__setitem__(401, ls[401].replace(b"entry 400", b"entry 4O0")),
        "entry-deleted": lambda ls: ls.__delitem__(250),
        "entries-reordered": lambda ls: ls.__setitem__(slice(90, 92), [ls[91], ls[90]]),
        "entry-inserted": lambda ls: ls.insert(600, ls[599]),
    }
    for damage, edit in damages.items():
        damaged = list(lines)
        edit(damaged)
        path.write_bytes(b"\n".join(damaged))
        code, out = both("--export", str(path))
        assert code == 1 and "DAMAGED chain 'werkcorporatie'" in out and damage in out, (damage, out)
        assert "intact chain 'werkkrachtcentrale': 300 entries" in out
    path.write_bytes(b"\n".join([*lines[:300], b"{not json", *lines[300:]]))
    code, out = both("--export", str(path))
    assert code == 1 and "line 301: not-an-entry" in out  # damaged evidence, not a usage error


def test_a_v1_export_is_still_verified(tmp_path: Path, small_parts: None):
    chains = ledger()
    header = {
        "format": "consent-ledger-export/v1",
        "exported_at": "2026-03-01T00:00:00+00:00",
        "chains": [
            {"chain": h.chain, "length": h.length, "head_hash": h.head_hash.hex()}
            for h, _, _ in chains.values()
        ],
    }
    rows = [
        json.dumps({"chain": c, "hash": e.entry_hash.hex(), "body": e.body.decode()}, ensure_ascii=False)
        for c, (_, entries, _) in chains.items()
        for e in entries
    ]
    path = tmp_path / "v1.jsonl"
    path.write_text("\n".join([json.dumps(header), *rows]) + "\n", encoding="utf-8")
    assert plan_parts(path)[1].v1
    code, out = both("--export", str(path))
    assert code == 0 and "intact chain 'werkcorporatie': 700 entries" in out
    rows[10] = rows[10].replace("entry 10", "entry 1O")
    path.write_text("\n".join([json.dumps(header), *rows]) + "\n", encoding="utf-8")
    code, out = both("--export", str(path))
    assert code == 1 and "first bad entry 10: payload-changed" in out


def test_database_intact_and_damage_named(database_url: str, small_parts: None):
    engine = make_engine(database_url)
    migrate(engine)
    store = SqlLedgerStore(engine)
    chains = ledger()
    with store.transaction() as tx:
        for head, _, entries in chains.values():
            index = [
                IndexRow(e.document["event"]["event_id"], "mac", e.chain, e.seq, "event") for e in entries
            ]
            tx.write(entries, index, [head], {}, {})
    store.dispose()
    code, out = both("--database-url", database_url)
    assert code == 0 and "intact chain 'werkcorporatie': 700 entries" in out
    with engine.begin() as conn:  # by hand, as someone with access to the table
        conn.execute(text("DELETE FROM ledger_entry WHERE chain = 'werkkrachtcentrale' AND seq = 130"))
        conn.execute(
            text("UPDATE ledger_entry SET entry_hash = :h WHERE chain = 'werkcorporatie' AND seq = 333"),
            {"h": bytes(32)},
        )
    engine.dispose()
    code, out = both("--database-url", database_url)
    assert code == 1
    assert "DAMAGED chain 'werkcorporatie': first bad entry 333: hash-field-edited" in out
    assert "DAMAGED chain 'werkkrachtcentrale': first bad entry 130: entry-deleted" in out


def test_parts_of_a_large_ledger_are_planned_open_at_both_ends():
    assert sql_parts.plan_parts({"a": 0, "b": 5, "c": 130}, part=64) == [
        ("a", None, None),
        ("b", None, None),
        ("c", None, 64),
        ("c", 64, 128),
        ("c", 128, None),
    ]
    assert isinstance(ExportParts("x", False, ()), ExportParts)


def test_the_header_head_is_checked_and_a_rewrite_is_named_where_it_was_made(
    tmp_path: Path, small_parts: None
):
    """An entry appended after the last one the header records, a head hash that is not the last
    entry's, and (from the database, whose tree holds each leaf) a body rewritten together with
    its own hash: each is damage, named at its own position."""
    path = tmp_path / "ledger.jsonl"
    chains = ledger()
    with path.open("wb") as fh:
        write_export(Source(chains), fh)
    header, *entries = path.read_bytes().split(b"\n")
    doc = json.loads(header)
    short = {
        **doc,
        "chains": [
            {**c, "length": c["length"] - 1} if c["chain"] == "werkcorporatie" else c for c in doc["chains"]
        ],
    }
    short["chains"][0]["head_hash"] = chains["werkcorporatie"][1][698].entry_hash.hex()
    path.write_bytes(b"\n".join([json.dumps(short).encode(), *entries]))
    code, out = both("--export", str(path))
    assert code == 1 and "first bad entry 699: entry-appended" in out, out
    zeroed = {**doc, "chains": [{**c, "head_hash": "00" * 32} for c in doc["chains"]]}
    path.write_bytes(b"\n".join([json.dumps(zeroed).encode(), *entries]))
    code, out = both("--export", str(path))
    assert code == 1 and "first bad entry 699: head-hash-mismatch" in out, out

    # the database: entry 400's body rewritten and its stored hash recomputed; entry 401 untouched
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    migrate(engine)
    store = SqlLedgerStore(engine)
    from consent_ledger.core.merkle import Frontier, leaf_of

    for chain, (head, _stored, appended) in chains.items():
        tree, made = Frontier(0, ()).extend(leaf_of(e.body) for e in appended)
        with store.transaction() as tx:
            tx.write(
                appended,
                [IndexRow(f"{chain}-{e.seq}", "m" * 64, chain, e.seq, "event") for e in appended],
                [ChainHead(head.chain, head.length, head.head_hash, tree.peaks)],
                {},
                {},
                [(chain, key, h) for key, h in made],
            )
    engine.dispose()
    code, out = both("--database-url", url)
    assert code == 0, out
    forged = chains["werkcorporatie"][2][400].body.replace(b"entry 400", b"entry 4O0")
    from consent_ledger.core.hashing import entry_hash

    with make_engine(url).begin() as conn:
        conn.execute(
            text(
                "UPDATE ledger_entry SET body = :b, entry_hash = :h "
                "WHERE chain = 'werkcorporatie' AND seq = 400"
            ),
            {"b": forged, "h": entry_hash(chains["werkcorporatie"][1][399].entry_hash, forged)},
        )
    code, out = both("--database-url", url)
    assert code == 1 and "first bad entry 400: entry-rewritten" in out, out

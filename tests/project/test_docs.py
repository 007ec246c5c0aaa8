"""The worked examples in docs/ledger-format.md run, and agree with the implementation."""

import re
from datetime import UTC, datetime
from pathlib import Path

from consent_ledger.core.entries import ChainHead, append_records
from consent_ledger.core.hashing import genesis_hash, leaf_hash

DOC = Path(__file__).resolve().parents[2] / "docs" / "ledger-format.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_worked_examples_run():
    blocks = python_blocks()
    assert blocks, "ledger-format.md lost its worked examples"
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})


def test_the_worked_example_is_what_the_ledger_writes():
    ns: dict = {}
    exec(compile(python_blocks()[0], str(DOC), "exec"), ns)
    record = {"event": ns["entry"]["event"], "content_mac": ns["entry"]["content_mac"]}
    [entry], _ = append_records(
        ChainHead.genesis("werkcorporatie"), [("event", record)], datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    )
    assert entry.body == ns["body"]
    assert entry.entry_hash == ns["h0"]
    assert genesis_hash("werkcorporatie") == ns["genesis"]
    assert leaf_hash(entry.body) == ns["leaf"]


def test_the_subject_reference_example_is_what_the_ledger_writes():
    from consent_ledger.core.sealing import SubjectKey, subject_ref

    [block] = [b for b in python_blocks() if "ref_key" in b]
    ns: dict = {}
    exec(compile(block, str(DOC), "exec"), ns)
    assert subject_ref(SubjectKey.of(ns["data_key"]), ns["event_id"]) == ns["ref"]

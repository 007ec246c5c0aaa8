"""The export file an auditor verifies offline. Format: docs/ledger-format.md §7."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Protocol

from ..core.entries import ChainHead
from ..core.verify import StoredEntry

__all__ = ["EXPORT_FORMAT", "ExportError", "read_export", "write_export"]

EXPORT_FORMAT = "consent-ledger-export/v1"


class ExportError(ValueError):
    """The file is not a ledger export."""


class EntrySource(Protocol):
    def heads(self) -> list[ChainHead]: ...
    def iter_entries(self, chain: str) -> Iterator[StoredEntry]: ...


def write_export(
    source: EntrySource,
    out: IO[str],
    progress: Callable[[int], None] = lambda n: None,
    checkpoints: dict[str, str] | None = None,
) -> int:
    """Header line, then one line per entry, chain by chain in seq order. `checkpoints`: each
    chain's latest signed checkpoint (with cosignatures), carried in the header."""
    heads = source.heads()
    notes = checkpoints or {}
    header = {
        "format": EXPORT_FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "chains": [
            {"chain": h.chain, "length": h.length, "head_hash": h.head_hash.hex()}
            | ({"checkpoint": notes[h.chain]} if h.chain in notes else {})
            for h in heads
        ],
    }
    out.write(json.dumps(header) + "\n")
    n = 0
    for h in heads:
        for e in source.iter_entries(h.chain):
            out.write(
                json.dumps(
                    {"chain": h.chain, "hash": e.entry_hash.hex(), "body": e.body.decode("utf-8")},
                    ensure_ascii=False,
                )
                + "\n"
            )
            n += 1
            progress(1)
    return n


@dataclass
class ExportedChain:
    chain: str
    length: int
    head_hash: bytes
    entries: list[StoredEntry]
    checkpoint: str | None = None  # the latest signed checkpoint at export time


def read_export(lines: Iterable[str]) -> list[ExportedChain]:
    it = iter(lines)
    try:
        header = json.loads(next(it))
    except (StopIteration, ValueError):
        raise ExportError("empty file or header is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        raise ExportError(f"not a {EXPORT_FORMAT} file")
    chains = {
        c["chain"]: ExportedChain(
            c["chain"], int(c["length"]), bytes.fromhex(c["head_hash"]), [], c.get("checkpoint")
        )
        for c in header["chains"]
    }
    for lineno, line in enumerate(it, start=2):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            chains[row["chain"]].entries.append(
                StoredEntry(row["body"].encode("utf-8"), bytes.fromhex(row["hash"]))
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ExportError(f"line {lineno} is not an export entry") from None
    return list(chains.values())

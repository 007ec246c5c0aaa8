"""The export file an auditor verifies offline. Format: docs/ledger-format.md §7."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import IO, Protocol

import orjson

from ..core.entries import ChainHead
from ..core.errors import Refused
from ..core.hashing import HASH_SIZE
from ..core.verify import StoredEntry
from .parallel_verify import Run

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_FORMAT_V1",
    "ExportError",
    "ExportLineError",
    "ExportParts",
    "one_chain_run",
    "entry_line",
    "parse_entry",
    "parse_entry_v1",
    "parse_header",
    "plan_parts",
    "read_export",
    "write_export",
]

EXPORT_FORMAT = "consent-ledger-export/v2"  # what `write_export` writes
EXPORT_FORMAT_V1 = "consent-ledger-export/v1"  # still read: the body as a JSON string
PART_BYTES = 2 << 20  # a part checked by one worker, about 4,000 entries: small parts keep both
# workers busy to the end and each part in cache (16 MB parts were a third slower)
_CHAIN_KEY, _HASH_KEY, _ENTRY_KEY = b'{"chain":', b',"hash":"', b'","entry":'  # §7, v2 lines
_HASH_HEX = 64


class ExportError(Refused, ValueError):
    """The file is not a ledger export."""


class ExportLineError(ExportError):
    """A line after the header that is not an entry line of a listed chain: the evidence is damaged."""

    def __init__(self, lineno: int, detail: str) -> None:
        super().__init__(detail)
        self.lineno = lineno


class EntrySource(Protocol):
    def heads(self) -> list[ChainHead]: ...
    def iter_entries(self, chain: str) -> Iterator[StoredEntry]: ...


def entry_line(chain: str, entry: StoredEntry) -> bytes:
    """One v2 entry line: the body verbatim (canonical JSON holds no line break)."""
    if b"\n" in entry.body or b"\r" in entry.body:
        raise ValueError(f"an entry of chain {chain!r} is not canonical JSON: it holds a line break")
    return b"".join(
        (_CHAIN_KEY, json.dumps(chain).encode(), _HASH_KEY, entry.entry_hash.hex().encode(), _ENTRY_KEY)
        + (entry.body, b"}\n")
    )


def write_export(
    source: EntrySource,
    out: IO[bytes],
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
    out.write(json.dumps(header).encode() + b"\n")
    n = 0
    for h in heads:
        for e in source.iter_entries(h.chain):
            out.write(entry_line(h.chain, e))
            n += 1
            if not n % 4096:
                progress(4096)
    progress(n % 4096)
    return n


@dataclass
class ExportedChain:
    chain: str
    length: int
    head_hash: bytes
    entries: list[StoredEntry]
    checkpoint: str | None = None  # the latest signed checkpoint at export time


def parse_header(line: str | bytes) -> tuple[list[ExportedChain], bool]:
    """The header line: each chain, with no entries yet; and whether the file is v1."""
    try:
        header = json.loads(line)
    except ValueError:
        raise ExportError("empty file or header is not JSON") from None
    if not isinstance(header, dict) or header.get("format") not in (EXPORT_FORMAT, EXPORT_FORMAT_V1):
        raise ExportError(f"not a {EXPORT_FORMAT} (or v1) file")
    try:
        return [
            ExportedChain(
                c["chain"], int(c["length"]), bytes.fromhex(c["head_hash"]), [], c.get("checkpoint")
            )
            for c in header["chains"]
        ], header["format"] == EXPORT_FORMAT_V1
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ExportError("the header does not list the chains") from None


def parse_entry(line: bytes) -> tuple[str, bytes, bytes]:
    """One v2 entry line: its chain, body and stored hash (docs/ledger-format.md §7). The body
    is the bytes after `"entry":` up to the line's last `}`, taken as they are."""
    try:
        if not line.startswith(_CHAIN_KEY):
            raise ValueError
        cut = line.index(_HASH_KEY)
        chain = orjson.loads(line[len(_CHAIN_KEY) : cut])
        start = cut + len(_HASH_KEY) + _HASH_HEX
        if not (isinstance(chain, str) and line.startswith(_ENTRY_KEY, start) and line.endswith(b"}")):
            raise ValueError
        digits = line[cut + len(_HASH_KEY) : start]
        if not digits.isalnum():  # bytes.fromhex would pass over spaces
            raise ValueError
        return chain, line[start + len(_ENTRY_KEY) : -1], bytes.fromhex(digits.decode("ascii"))
    except ValueError:
        raise ExportError("not an export entry") from None


def parse_entry_v1(line: bytes) -> tuple[str, bytes, bytes]:
    """One v1 entry line: the body is the UTF-8 of the `body` string."""
    try:
        row = orjson.loads(line)
        return row["chain"], row["body"].encode("utf-8"), bytes.fromhex(row["hash"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ExportError("not an export entry") from None


def read_export(lines: Iterable[bytes]) -> list[ExportedChain]:
    """The whole file (binary lines), chain by chain: the reference reader."""
    it = iter(lines)
    header, v1 = parse_header(next(it, b""))
    chains = {c.chain: c for c in header}
    parse = parse_entry_v1 if v1 else parse_entry
    for lineno, line in enumerate(it, start=2):
        if not line.strip():
            continue
        try:
            chain, body, stored = parse(line.rstrip(b"\r\n"))  # the \n, and a \r before it
            chains[chain].entries.append(StoredEntry(body, stored))
        except ExportError:
            raise ExportLineError(lineno, "not an entry line (docs/ledger-format.md §7)") from None
        except KeyError:
            raise ExportLineError(lineno, "an entry of a chain the header does not list") from None
    return list(chains.values())


def plan_parts(path: Path, part_bytes: int | None = None) -> tuple[list[ExportedChain], ExportParts]:
    """The header's chains, and a reader of the entry lines cut into byte ranges of about
    `part_bytes` (PART_BYTES), each a whole number of lines, in file order."""
    part_bytes = part_bytes or PART_BYTES
    with path.open("rb") as fh:
        chains, v1 = parse_header(fh.readline())
        bounds = [fh.tell()]
        size = path.stat().st_size
        while bounds[-1] < size:
            fh.seek(bounds[-1] + part_bytes)
            fh.readline()  # on to the start of the next line
            bounds.append(min(fh.tell(), size))
    return chains, ExportParts(str(path), v1, tuple(zip(bounds, bounds[1:], strict=False)))


@dataclass(frozen=True, slots=True)
class ExportParts:
    """Reads a byte range of an export file as runs of entries (app.parallel_verify)."""

    path: str
    v1: bool
    parts: tuple[tuple[int, int], ...]

    def read(self, part: tuple[int, int]) -> Iterator[Run]:
        start, end = part
        with open(self.path, "rb") as fh:
            fh.seek(start)
            lines = fh.read(end - start).split(b"\n")  # as `read_export` sees the file: at \n only
        if lines and not lines[-1]:
            lines.pop()
        whole = None if self.v1 else one_chain_run(lines)
        if whole is not None:
            yield whole
            return
        parse = parse_entry_v1 if self.v1 else parse_entry
        run: Run | None = None
        for line in lines:
            if not line.strip():
                continue
            chain, body, stored = parse(line.rstrip(b"\r"))
            if run is None or run.chain != chain:
                if run is not None:
                    yield run
                run = Run(chain, None, [], [])
            run.bodies.append(body)
            run.hashes.append(stored)
        if run is not None:
            yield run


def one_chain_run(lines: list[bytes]) -> Run | None:
    """v2 lines that all begin as the first one does (one chain), read at once: what
    `parse_entry` gives line by line, or None when any line is otherwise (then read those one
    by one). The hash digits are joined and read by one `fromhex`; as it passes over
    whitespace, 32 bytes for each line prove that every digit was a digit."""
    if not lines:
        return None
    try:
        chain = parse_entry(lines[0])[0]
    except ExportError:
        return None
    prefix = lines[0][: lines[0].index(_HASH_KEY) + len(_HASH_KEY)]  # the chain exactly as written
    digits_at, entry_at = len(prefix), len(prefix) + _HASH_HEX
    if not (
        all(map(bytes.startswith, lines, repeat(prefix)))
        and all(map(bytes.startswith, lines, repeat(_ENTRY_KEY), repeat(entry_at)))
        and all(map(bytes.endswith, lines, repeat(b"}")))
    ):
        return None
    try:
        raw = bytes.fromhex(b"".join([line[digits_at:entry_at] for line in lines]).decode("ascii"))
    except ValueError:
        return None
    if len(raw) != HASH_SIZE * len(lines):
        return None
    body_at = entry_at + len(_ENTRY_KEY)
    return Run(
        chain,
        None,
        [line[body_at:-1] for line in lines],
        [raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE)],
    )

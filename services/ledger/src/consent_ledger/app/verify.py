"""The auditor's verification as a use case: every chain recomputed from genesis (in parts on several
cores when the ledger is large) and, with the ledger's public keys, its Merkle tree against the
signed checkpoints and the checkpoint the auditor saved last time. It reads from a `Source` (an
export file here; the database's in adapters/sql/audit.py) and returns a report, one verdict per
chain with its evidence; printing it is the command's (cli/verify.py), serving it the HTTP API's.

Nothing heavy is imported here: `consent-ledger verify` must start at once (issue 16)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..core.audit import AuditError, RootWatch, Witnessed, witness_chain
from ..core.notes import Checkpoint, NoteError, SignedNote
from ..core.verify import ChainReport, Damage, IntegrityError, StoredEntry, verify_chain
from .checkpoints import CheckpointRefused
from .export import ExportLineError, plan_parts, read_export
from .parallel_verify import PARALLEL_FROM, ChainPlan, usable_cores, verify_in_parts

if TYPE_CHECKING:
    from ..core.notes import NoteVerifier
    from .parallel_verify import PartReader

__all__ = [
    "ChainVerdict",
    "ExportSource",
    "Progress",
    "Source",
    "Unreadable",
    "VerificationReport",
    "size_of",
    "verify_ledger",
]


def size_of(note: str | None) -> int | None:
    """The tree size a note claims (checked later, with its signature); None when it claims none."""
    if not note:
        return None
    try:
        return Checkpoint.parse(SignedNote.parse(note).text).size
    except NoteError:
        return None


@dataclass(frozen=True)
class ChainOnRecord:
    """A chain as its source records it: how long, its head's hash, its latest signed checkpoint."""

    chain: str
    length: int
    head_hash: bytes | None
    latest_note: str | None


class Source(Protocol):
    """Where the ledger is read from: an export file or a database."""

    name: str

    def chains(self) -> list[ChainOnRecord]: ...

    def entries(self) -> Mapping[str, Iterable[StoredEntry]]:
        """Each chain's entries in order, as many as its head records (raises ExportLineError
        when a line of an export is no entry at all)."""
        ...

    def parts(self) -> tuple[PartReader[Any], Sequence[Any]] | None:
        """A reader and its parts for checking in other processes; None when that is not possible
        (a database in memory)."""
        ...

    def leaves(self, chain: str) -> Callable[[int], bytes | None] | None:
        """The stored Merkle leaf at a position, to check each entry's against; None without a tree."""
        ...

    def consistency(self, chain: str, old: int, new: int) -> list[bytes] | None:
        """The consistency proof between two sizes; None when the source cannot give one."""
        ...


class ExportSource:
    """An export file (`consent-ledger export`), verified offline. Raises ExportError when the file
    is not an export at all (its header), before anything is verified."""

    def __init__(self, path: Path, part_bytes: int | None = None) -> None:
        self.name = str(path)
        self._path = path
        self._header, self._parts = plan_parts(path, part_bytes)

    def chains(self) -> list[ChainOnRecord]:
        return [ChainOnRecord(c.chain, c.length, c.head_hash, c.checkpoint) for c in self._header]

    def entries(self) -> Mapping[str, Iterable[StoredEntry]]:
        with self._path.open("rb") as fh:
            return {c.chain: c.entries for c in read_export(fh)}

    def parts(self) -> tuple[PartReader[Any], Sequence[Any]]:
        return self._parts, list(self._parts.parts)

    def leaves(self, chain: str) -> None:
        return None

    def consistency(self, chain: str, old: int, new: int) -> None:
        return None


@dataclass(frozen=True)
class ChainVerdict:
    """One chain's verdict and its evidence.

    `damage` names what does not hold (a `Damage` of the entries, or an `AuditError` reason of the
    checkpoints: rolled-back, rewritten, bad-checkpoint…, or `unsigned` when keys were given and no
    checkpoint signs the chain), `position` the first bad entry, `detail` the words for it.
    `signed` is the size the latest signed checkpoint covers; `witnessed` what the keys proved."""

    chain: str
    length: int
    head_hash: bytes | None = None
    signed: int = 0
    damage: str | None = None
    position: int | None = None
    detail: str = ""
    entries_intact: bool = True
    witnessed: Witnessed | None = None

    @property
    def intact(self) -> bool:
        return self.damage is None

    @property
    def unsigned_tail(self) -> range:
        """Entries after the latest signed checkpoint: intact, but not yet signed."""
        return range(self.signed, self.length) if self.entries_intact else range(0)


@dataclass(frozen=True)
class Unreadable:
    """An export line that is no entry: the evidence itself is damaged, so nothing was verified."""

    line: int
    detail: str
    damage: str = str(Damage.NOT_AN_ENTRY)


@dataclass
class VerificationReport:
    source: str
    chains: list[ChainVerdict] = field(default_factory=list)
    unreadable: Unreadable | None = None
    keep: dict[str, str] = field(default_factory=dict)  # the checkpoints to save for next time

    @property
    def intact(self) -> bool:
        return self.unreadable is None and all(c.intact for c in self.chains)


class Progress(Protocol):
    def advance(self, n: int) -> None: ...
    def reset(self) -> None: ...


class _Silent:
    def advance(self, n: int) -> None:
        pass

    def reset(self) -> None:
        pass


def verify_ledger(
    source: Source,
    verifiers: Sequence[NoteVerifier] = (),
    saved: Mapping[str, str] | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> VerificationReport:
    """Verify every chain of `source`; with `verifiers` (the ledger's public keys) also its
    checkpoints, and that it extends the checkpoints in `saved` (chain: note, from last time)."""
    saved = dict(saved or {})
    progress = progress or _Silent()
    report = VerificationReport(source.name, keep=dict(saved))
    chains = source.chains()
    sizes = {
        c.chain: frozenset(n for n in (size_of(saved.get(c.chain)), size_of(c.latest_note)) if n is not None)
        for c in chains
    }
    checked = _in_parts(source, chains, sizes, workers or usable_cores(), progress)
    if checked is None:
        try:
            entries = source.entries()
        except ExportLineError as exc:  # evidence damaged: a verdict, not a usage error
            report.unreadable = Unreadable(exc.lineno, str(exc))
            return report
    for chain in chains:
        if checked is not None:
            chain_report, watch = checked[chain.chain]
        else:
            watch = RootWatch(set(sizes[chain.chain]))
            try:
                chain_report = _reference(source, chain, watch, entries[chain.chain], progress)
            except IntegrityError as exc:
                report.chains.append(
                    ChainVerdict(
                        chain.chain,
                        chain.length,
                        damage=str(exc.damage),
                        position=exc.position,
                        detail=exc.detail,
                        entries_intact=False,
                    )
                )
                continue
        report.chains.append(_witnessed(source, chain, chain_report, watch, list(verifiers), saved, report))
    return report


def _in_parts(
    source: Source,
    chains: list[ChainOnRecord],
    sizes: Mapping[str, frozenset[int]],
    workers: int,
    progress: Progress,
) -> dict[str, tuple[ChainReport, RootWatch]] | None:
    """The chains checked in parts by `workers` processes, when the ledger is large enough to gain
    from it; None when not, or when anything did not hold (the reference then looks and names it)."""
    split = source.parts()
    if split is None or workers < 2 or sum(c.length for c in chains) < PARALLEL_FROM:
        return None
    reader, parts = split
    plans = [ChainPlan(c.chain, c.length, sizes[c.chain]) for c in chains]
    checked = verify_in_parts(reader, parts, plans, workers, progress.advance)
    if checked is not None and any(checked[c.chain][0].head_hash != c.head_hash for c in chains):
        checked = None  # a head that is not the last entry's hash: the reference names it
    if checked is None:
        progress.reset()
    return checked


def _reference(
    source: Source, chain: ChainOnRecord, watch: RootWatch, entries: Iterable[StoredEntry], progress: Progress
) -> ChainReport:
    with closing(_counted(entries, progress)) as counted:
        return verify_chain(
            chain.chain,
            watch.through(counted),
            expected_length=chain.length,
            expected_head=chain.head_hash,
            leaves=source.leaves(chain.chain),
        )


def _witnessed(
    source: Source,
    chain: ChainOnRecord,
    checked: ChainReport,
    watch: RootWatch,
    verifiers: list[NoteVerifier],
    saved: Mapping[str, str],
    report: VerificationReport,
) -> ChainVerdict:
    """The verdict of a chain whose entries hold: what its checkpoints prove, with keys."""
    verdict = ChainVerdict(chain.chain, checked.length, checked.head_hash, size_of(chain.latest_note) or 0)
    if not verifiers:
        return verdict
    old, new = size_of(saved.get(chain.chain)), size_of(chain.latest_note)
    try:
        proof = source.consistency(chain.chain, old, new) if old and new and old <= new else None
    except CheckpointRefused:  # the ledger cannot prove it: an empty proof fails below
        proof = []
    try:
        seen = witness_chain(chain.chain, watch, verifiers, saved.get(chain.chain), chain.latest_note, proof)
    except AuditError as exc:
        return replace(verdict, damage=exc.reason, detail=str(exc))
    if seen.keep:
        report.keep[chain.chain] = seen.keep
    if seen.latest is None and seen.saved is None and checked.length:
        # a key was given to check signatures, and nothing here is signed: that must fail
        return replace(verdict, damage="unsigned", detail="no signed checkpoint", witnessed=seen)
    return replace(verdict, witnessed=seen)


def _counted(entries: Iterable[StoredEntry], progress: Progress) -> Generator[StoredEntry]:
    """The entries, counted on the progress; closing it closes the source (a database read)."""
    n = 0
    try:
        for n, entry in enumerate(entries, 1):
            if not n % 4096:
                progress.advance(4096)
            yield entry
        progress.advance(n % 4096)
    finally:
        if isinstance(entries, Generator):
            entries.close()

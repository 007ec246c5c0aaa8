"""What an auditor checks offline with nothing but the public key: a receipt for one entry, and
that the entries still are those a saved checkpoint signed. Spec: docs/ledger-format.md §10-11.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import Damaged
from .hashing import LEAF_PREFIX
from .merkle import EMPTY_ROOT, ProofError, TreeBuilder, leaf_of, verify_consistency, verify_inclusion
from .notes import Checkpoint, NoteError, NoteVerifier, open_checkpoint
from .verify import StoredEntry

__all__ = [
    "RECEIPT_FORMAT",
    "RECEIPTS_FORMAT",
    "AuditError",
    "ReceiptReport",
    "RootWatch",
    "Witnessed",
    "chain_of_origin",
    "verify_receipt",
    "verify_receipts",
    "witness_chain",
]


class AuditError(Damaged):
    """The evidence does not hold; `reason` is a code, the message says what failed."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def chain_of_origin(origin: str) -> str:
    """A checkpoint's origin is `<log origin>/<chain>`."""
    return origin.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class ReceiptReport:
    chain: str
    seq: int
    checkpoint: Checkpoint
    signed_by: list[str]
    entry: dict[str, Any]


RECEIPT_FORMAT = "consent-ledger-receipt/v1"  # one receipt (app.checkpoints makes them)
RECEIPTS_FORMAT = "consent-ledger-receipts/v1"  # a bundle: the access report's (app.access_report)


def verify_receipt(receipt: dict[str, Any], verifiers: list[NoteVerifier]) -> ReceiptReport:
    """The entry is entry `seq` of the tree a trusted key signed; raises AuditError."""
    try:
        if receipt["format"] != RECEIPT_FORMAT:
            raise ValueError
        body = str(receipt["body"]).encode("utf-8")
        seq, size = int(receipt["seq"]), int(receipt["inclusion"]["size"])
        proof = [bytes.fromhex(h) for h in receipt["inclusion"]["proof"]]
        note = str(receipt["checkpoint"])
        named_chain, leaf_hash = str(receipt["chain"]), bytes.fromhex(receipt["leaf_hash"])
    except (KeyError, TypeError, ValueError):
        raise AuditError(
            "malformed-receipt",
            f"not a receipt: format {RECEIPT_FORMAT}, chain, seq, body, leaf_hash, inclusion and "
            "checkpoint needed",
        ) from None
    try:
        checkpoint, _, good = open_checkpoint(note, verifiers)
    except NoteError as exc:
        raise AuditError("bad-checkpoint", f"the receipt's checkpoint: {exc}") from None
    try:
        entry = json.loads(body)
    except ValueError:
        raise AuditError("malformed-receipt", "the body is not JSON") from None
    chain = chain_of_origin(checkpoint.origin)
    if not isinstance(entry, dict) or entry.get("chain") != chain or entry.get("seq") != seq:
        raise AuditError("wrong-entry", f"the body is not entry {seq} of chain {chain!r}")
    if named_chain != chain:
        raise AuditError("wrong-entry", f"the receipt names chain {named_chain!r}, its checkpoint {chain!r}")
    if leaf_hash != leaf_of(body):
        raise AuditError("wrong-leaf", "the receipt's leaf_hash is not SHA-256(0x00 || body)")
    if size != checkpoint.size:
        raise AuditError(
            "wrong-size", f"the proof is for size {size}, the checkpoint is of size {checkpoint.size}"
        )
    try:
        verify_inclusion(seq, size, leaf_of(body), proof, checkpoint.root_hash)
    except ProofError as exc:
        raise AuditError("not-included", f"entry {seq} is not in the signed tree: {exc}") from None
    return ReceiptReport(chain, seq, checkpoint, [v.name for v in good], entry)


def verify_receipts(bundle: dict[str, Any], verifiers: list[NoteVerifier]) -> list[ReceiptReport]:
    """Every receipt of a bundle holds, and each is proved against the tree size the bundle says it
    is complete up to for its chain; raises AuditError naming the first that does not."""
    try:
        complete = {str(c): int(n) for c, n in bundle["complete_up_to"].items()}
        receipts = list(bundle["receipts"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise AuditError(
            "malformed-receipt", "not a receipt bundle: complete_up_to and receipts needed"
        ) from None
    reports = []
    for i, receipt in enumerate(receipts):
        try:
            report = verify_receipt(receipt, verifiers)
        except AuditError as exc:
            raise AuditError(exc.reason, f"receipt {i}: {exc}") from None
        if complete.get(report.chain) != report.checkpoint.size:
            raise AuditError(
                "wrong-size",
                f"receipt {i} is proved against size {report.checkpoint.size}, the bundle says "
                f"complete up to {complete.get(report.chain)} for chain {report.chain!r}",
            )
        reports.append(report)
    return reports


@dataclass
class RootWatch:
    """Streams a chain's entries on to the verifier and keeps the Merkle root at each size of
    interest (a saved checkpoint's, the latest checkpoint's), computed from the bodies alone."""

    sizes: set[int]
    roots: dict[int, bytes] = field(default_factory=dict)
    count: int = 0

    def through(self, entries: Iterable[StoredEntry]) -> Iterator[StoredEntry]:
        builder = TreeBuilder()
        add, sizes, sha256 = builder.add, self.sizes, hashlib.sha256
        if 0 in sizes:
            self.roots[0] = EMPTY_ROOT
        for entry in entries:
            add(sha256(LEAF_PREFIX + entry.body).digest())  # leaf_of, inlined: this loop is the verifier's
            if builder.size in sizes:
                self.roots[builder.size] = builder.root()
            yield entry
        self.count = builder.size


@dataclass(frozen=True, slots=True)
class Witnessed:
    chain: str
    saved: Checkpoint | None
    latest: Checkpoint | None
    keep: str | None  # the note to keep as the new saved checkpoint


def witness_chain(
    chain: str,
    watch: RootWatch,
    verifiers: list[NoteVerifier],
    saved_note: str | None,
    latest_note: str | None,
    consistency: list[bytes] | None = None,
) -> Witnessed:
    """Prove that the ledger's current state extends the checkpoint the auditor saved: the
    entries recomputed from their bodies give the saved root at the saved size (so nothing
    before it changed, even if every stored hash was recomputed) and the latest signed root at
    the latest size; and, when the ledger gave one, the consistency proof between the two
    holds. Raises AuditError naming what failed."""

    def opened(note: str, which: str) -> Checkpoint:
        try:
            checkpoint = open_checkpoint(note, verifiers)[0]
        except NoteError as exc:
            raise AuditError("bad-checkpoint", f"the {which} checkpoint: {exc}") from None
        if chain_of_origin(checkpoint.origin) != chain:
            raise AuditError("bad-checkpoint", f"the {which} checkpoint is for {checkpoint.origin!r}")
        return checkpoint

    saved = opened(saved_note, "saved") if saved_note else None
    latest = opened(latest_note, "latest") if latest_note else None
    for which, cp in (("saved", saved), ("latest", latest)):
        if cp is None:
            continue
        if cp.size > watch.count and which == "saved":  # entries you saw signed are gone
            raise AuditError(
                "rolled-back",
                f"the checkpoint you saved signs {cp.size} entries; the ledger now holds {watch.count}: "
                "it was rolled back (restored from an older backup?), the entries after it are gone",
            )
        if cp.size > watch.count:  # the ledger's own checkpoint signs entries it no longer holds
            raise AuditError(
                "entries-missing",
                f"the {which} checkpoint signs {cp.size} entries; the ledger now holds {watch.count}",
            )
        if watch.roots.get(cp.size) != cp.root_hash:
            raise AuditError(
                "rewritten",
                f"entries 0..{cp.size - 1} are not those the {which} checkpoint of size {cp.size} signed: "
                "the ledger was rewritten (stored hashes recomputed or not)",
            )
    if saved and latest:
        if latest.size < saved.size:
            raise AuditError(
                "rolled-back",
                f"the ledger's latest checkpoint ({latest.size}) is older than the saved one ({saved.size})",
            )
        if consistency is not None:
            try:
                verify_consistency(saved.size, latest.size, saved.root_hash, latest.root_hash, consistency)
            except ProofError as exc:
                raise AuditError(
                    "inconsistent", f"consistency proof {saved.size} -> {latest.size}: {exc}"
                ) from None
    keep = latest_note if latest else saved_note
    return Witnessed(chain, saved, latest, keep)

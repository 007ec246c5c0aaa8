"""Use cases of the tree: signed checkpoints (issued every second while entries arrive, and on
demand), inclusion and consistency proofs, receipts, and witnesses' cosignatures.

The ledger never signs a checkpoint that does not extend the last one it signed: before
signing it proves consistency from its own stored nodes. A database rewritten underneath it
therefore stops the checkpoints instead of being signed over."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from ..core.audit import RECEIPT_FORMAT
from ..core.entries import ChainHead, rfc3339_utc
from ..core.errors import Unavailable
from ..core.merkle import (
    Frontier,
    NodeKey,
    ProofError,
    consistency_ranges,
    inclusion_ranges,
    leaf_of,
    proof_hashes,
    verify_consistency,
)
from ..core.notes import Checkpoint, NoteError, NoteSigner, NoteVerifier, SignedNote
from ..core.verify import StoredEntry

__all__ = [
    "RECEIPT_FORMAT",
    "CheckpointRefused",
    "SIGNING_REFUSALS",
    "Checkpoints",
    "StoredCheckpoint",
    "TreeStore",
    "consistency_proof",
]


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    chain: str
    size: int
    root_hash: bytes
    note: str  # as signed by the ledger's keys
    issued_at: str


# The reasons signing by itself (sign_grown) can be refused for: counted from 0 (adapters.metrics).
SIGNING_REFUSALS = ("inconsistent-tree", "no-checkpoint-keys", "no-proof")


class CheckpointRefused(Unavailable):
    """Why a checkpoint, proof or cosignature cannot be given or taken: `reason` is a code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class TreeStore(Protocol):
    def heads(self) -> list[ChainHead]: ...
    def nodes(self, chain: str, keys: list[NodeKey]) -> dict[NodeKey, bytes]: ...
    def entry(self, chain: str, seq: int) -> StoredEntry | None: ...
    def checkpoint(self, chain: str, size: int | None = None) -> StoredCheckpoint | None: ...
    def put_checkpoint(self, stored: StoredCheckpoint, replace: bool = False) -> None:
        """Store a checkpoint; with `replace`, the note of the one of that size is replaced (the
        same tree signed again, by the keys configured now)."""
        ...

    def cosignatures(self, chain: str, size: int) -> list[str]: ...
    def put_cosignature(
        self, chain: str, size: int, witness: str, key_id: str, line: str, at: str
    ) -> None: ...


def consistency_proof(
    nodes: Callable[[list[NodeKey]], dict[NodeKey, bytes]], old: int, new: int
) -> list[bytes]:
    """PROOF(old, D[new]) from the stored nodes `nodes` gives (a chain's)."""
    try:
        return proof_hashes(consistency_ranges(old, new), nodes)
    except ProofError:
        raise CheckpointRefused("no-proof", "no consistency proof between those sizes") from None


class Checkpoints:
    def __init__(
        self,
        store: TreeStore,
        signers: Sequence[NoteSigner],
        log_origin: str,
        witnesses: Sequence[NoteVerifier] = (),
    ) -> None:
        self.store, self.signers, self.log_origin, self.witnesses = (
            store,
            list(signers),
            log_origin,
            list(witnesses),
        )

    def origin(self, chain: str) -> str:
        return f"{self.log_origin}/{chain}"

    def verifiers(self) -> list[NoteVerifier]:
        return [s.verifier() for s in self.signers]

    # --- issuing -------------------------------------------------------------------------------

    def issue(self, chain: str | None = None) -> list[StoredCheckpoint]:
        """Sign a checkpoint of every chain (or one) that grew since its last one; returns the
        current checkpoint of each chain asked for, new or not."""
        heads = [h for h in self.store.heads() if chain is None or h.chain == chain]
        if chain is not None and not heads:
            raise CheckpointRefused("unknown-chain", "no chain of that name in this ledger")
        out = []
        for head in heads:
            current = self.sign_grown(head) or self.store.checkpoint(head.chain)
            assert current is not None  # sign_grown signs when there is none
            out.append(current)
        return out

    def sign_grown(self, head: ChainHead) -> StoredCheckpoint | None:
        """A new signed checkpoint if the chain grew past its last one, or if its last one lacks a
        signature of a key configured now (after a key rotation an idle chain is signed again, so
        an auditor given only the new key can check it); else None."""
        last = self.store.checkpoint(head.chain)
        if last is not None and last.size >= head.length:
            return None if self._signed_by_every_key(last) else self._sign(head, last, again=True)
        return self._sign(head, last)

    def _signed_by_every_key(self, stored: StoredCheckpoint) -> bool:
        lines = SignedNote.parse(stored.note).signatures
        return all(any(v.matches(line) for line in lines) for v in self.verifiers())

    def _sign(self, head: ChainHead, last: StoredCheckpoint | None, again: bool = False) -> StoredCheckpoint:
        if not self.signers:
            raise CheckpointRefused("no-checkpoint-keys", "this process has no checkpoint key to sign with")
        root = Frontier(head.length, head.frontier).root()
        if again and last is not None:
            if last.size != head.length or last.root_hash != root:
                raise CheckpointRefused(
                    "inconsistent-tree",
                    f"chain {head.chain!r} at size {head.length} is not the tree signed before; "
                    "nothing is signed again",
                )
        elif last is not None:  # never sign a tree that does not extend what was signed before
            try:
                _, proof = self.consistency(head.chain, last.size, head.length)
                verify_consistency(last.size, head.length, last.root_hash, root, proof)
            except ProofError as exc:
                raise CheckpointRefused(
                    "inconsistent-tree",
                    f"chain {head.chain!r} at size {head.length} does not extend the checkpoint of size "
                    f"{last.size} signed before: {exc}; the stored tree was changed, nothing is signed",
                ) from None
        text = Checkpoint(self.origin(head.chain), head.length, root).text()
        note = SignedNote(text, tuple(s.sign(text) for s in self.signers)).render()
        stored = StoredCheckpoint(head.chain, head.length, root, note, rfc3339_utc(datetime.now(UTC)))
        self.store.put_checkpoint(stored, replace=again)
        return stored

    def note(self, chain: str, size: int | None = None) -> str:
        """The signed checkpoint (latest, or at `size`) with every cosignature received for it."""
        stored = self.store.checkpoint(chain, size)
        if stored is None:
            what = "of that size" if size is not None else "yet"
            raise CheckpointRefused("no-checkpoint", f"the chain has no checkpoint {what}")
        return stored.note + "".join(self.store.cosignatures(chain, stored.size))

    # --- proofs ---------------------------------------------------------------------------------

    def _size(self, chain: str, size: int | None) -> int:
        """`size`, or the latest checkpoint's. A size beyond the tree finds no stored nodes and is
        refused there (no-proof), without reading the chain head first."""
        if size is not None:
            return size
        latest = self.store.checkpoint(chain)
        if latest is None:
            raise CheckpointRefused("no-checkpoint", "the chain has no checkpoint yet")
        return latest.size

    def inclusion(self, chain: str, index: int, size: int | None = None) -> tuple[int, list[bytes]]:
        """PATH(index, D[size]); `size` defaults to the latest checkpoint's."""
        n = self._size(chain, size)
        try:
            return n, proof_hashes(inclusion_ranges(index, n), lambda keys: self.store.nodes(chain, keys))
        except ProofError:  # its message repeats the positions asked for
            raise CheckpointRefused("no-proof", "the entry is not in the tree of that size") from None

    def consistency(self, chain: str, old: int, new: int | None = None) -> tuple[int, list[bytes]]:
        """PROOF(old, D[new]); `new` defaults to the latest checkpoint's size."""
        n = self._size(chain, new)
        return n, consistency_proof(lambda keys: self.store.nodes(chain, keys), old, n)

    def receipt(self, chain: str, seq: int) -> dict[str, Any]:
        """One entry, its inclusion proof and the signed checkpoint it is proved against: all a
        data subject or an auditor needs to check it, with the public key and nothing else."""
        latest = self.store.checkpoint(chain)
        if latest is None or seq >= latest.size:
            raise CheckpointRefused(
                "not-yet-checkpointed",
                "the entry is not in a signed checkpoint yet; ask again in a second",
            )
        entry = self.store.entry(chain, seq)
        if entry is None:
            raise CheckpointRefused("unknown-entry", "the chain has no entry at that position")
        size, proof = self.inclusion(chain, seq, latest.size)
        return {
            "format": RECEIPT_FORMAT,
            "chain": chain,
            "seq": seq,
            "body": entry.body.decode("utf-8"),
            "leaf_hash": leaf_of(entry.body).hex(),
            "inclusion": {"size": size, "proof": [h.hex() for h in proof]},
            "checkpoint": self.note(chain, latest.size),
        }

    # --- witnesses ------------------------------------------------------------------------------

    def accept_cosignatures(self, chain: str, note: str) -> list[str]:
        """Keep the cosignatures of known witnesses on a checkpoint this ledger issued; returns
        the witnesses accepted. Lines of unknown keys are ignored, as the note format says."""
        try:
            signed = SignedNote.parse(note)
            checkpoint = Checkpoint.parse(signed.text)
        except NoteError as exc:
            raise CheckpointRefused("malformed-note", str(exc)) from None
        stored = self.store.checkpoint(chain, checkpoint.size)
        if stored is None or SignedNote.parse(stored.note).text != signed.text:
            raise CheckpointRefused("unknown-checkpoint", "the chain never issued this checkpoint")
        accepted, at = [], rfc3339_utc(datetime.now(UTC))
        for line in signed.signatures:
            for witness in self.witnesses:
                if witness.matches(line):
                    if not witness.verify(signed.text, line):
                        raise CheckpointRefused(
                            "bad-cosignature", f"the cosignature of {line.name} does not verify"
                        )
                    self.store.put_cosignature(
                        chain, checkpoint.size, line.name, line.key_id.hex(), line.line(), at
                    )
                    accepted.append(line.name)
        if not accepted:
            known = ", ".join(w.name for w in self.witnesses) or "none configured (LEDGER_WITNESS_KEYS)"
            raise CheckpointRefused("unknown-witness", f"no cosignature by a known witness; known: {known}")
        return accepted

"""Use case: rotating the key-encryption key. Every stored data key is re-wrapped by the current
key-encryption key, page by page: a key the current one already opens is left; one a previous key
opens (LEDGER_PREVIOUS_ENCRYPTION_KEYS) is re-wrapped and written back only if it is still what was
read (an erasure in between deletes it; nothing is brought back); one that no key opens is counted,
left as it was, and named by count only. Resumable: a run cut off is run again. The sealed entries
are untouched: they are sealed by the data keys, which do not change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..core.sealing import open_wrapped, wrap_key

__all__ = ["RewrapReport", "WrappedKeyStore", "rewrap_keys"]


class WrappedKeyStore(Protocol):
    def wrapped_page(self, after: str, limit: int) -> list[tuple[str, bytes]]:
        """(key id, wrapped data key) in key-id order, after the key id `after`."""

    def replace_wrapped(self, rows: Sequence[tuple[str, bytes, bytes]]) -> int:
        """(key id, wrapped as read, wrapped anew): each replaced only while it is still as read;
        returns how many were replaced."""


@dataclass
class RewrapReport:
    rewrapped: int = 0
    current: int = 0  # already wrapped by the current key
    unreadable: int = 0  # opened by none of the keys given: left as they were
    gone: int = 0  # changed or deleted (erased) between reading and writing

    @property
    def done(self) -> bool:
        return self.unreadable == 0


def rewrap_keys(
    store: WrappedKeyStore, kek: bytes, previous: Sequence[bytes], page: int = 1000
) -> RewrapReport:
    report, after = RewrapReport(), ""
    while True:
        rows = store.wrapped_page(after, page)
        if not rows:
            return report
        changes = []
        for key_id, wrapped in rows:
            opened = open_wrapped((kek, *previous), wrapped, key_id)  # one decryption per key
            if opened is None:
                report.unreadable += 1
            elif opened[0] == 0:
                report.current += 1
            else:
                changes.append((key_id, wrapped, wrap_key(kek, opened[1], key_id)))
        if changes:
            replaced = store.replace_wrapped(changes)
            report.rewrapped += replaced
            report.gone += len(changes) - replaced
        after = rows[-1][0]

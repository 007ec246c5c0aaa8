"""Use case: one broker batch in, entries appended and refusals sorted out.

Two halves: `screen` (app.screening: parse, producer check, prepare; pure, so it may run in another
process) and the append of what it let through, in one transaction. Pure of brokers: the adapter
hands raw stream entries in and does the I/O the result asks for (dead-letter, then acknowledge).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..core.pseudonyms import Pseudonymizer
from .append import AppendOutcome, BatchAppender
from .producers import ProducerGate, ProducerRecord
from .screening import DeadLetter, RawEntry, Screened, screen, unprocessable

__all__ = ["BatchResult", "DeadLetter", "IngestService", "RawEntry", "Screened", "merged"]


@dataclass
class BatchResult:
    outcome: AppendOutcome
    dead_letters: list[DeadLetter] = field(default_factory=list)


class IngestService:
    def __init__(
        self, appender: BatchAppender, pseudonyms: Pseudonymizer, gate: ProducerGate | None = None
    ) -> None:
        """`gate`: only registered producers' signed events count; None in development mode only."""
        self._appender = appender
        self._pseudonyms = pseudonyms
        self._gate = gate

    def producers(self) -> Mapping[str, ProducerRecord] | None:
        """The producer registry to screen with (read at most every few seconds); None in
        development mode. Raises when the registry cannot be read: nothing is screened then."""
        return None if self._gate is None else self._gate.registry()

    def screen(self, entries: Sequence[RawEntry]) -> Screened:
        """Screen here, in this process."""
        return self.rescreened(entries, screen(entries, self._pseudonyms, self.producers()))

    def rescreened(self, entries: Sequence[RawEntry], screened: Screened) -> Screened:
        """`screened` (from anywhere), or, when it met a producer that has been registered since its
        registry was read, the batch screened again with the registry read now."""
        if self._gate is None or not screened.unknown_producers:
            return screened
        if not self._gate.learn(screened.unknown_producers):
            return screened
        return screen(entries, self._pseudonyms, self._gate.registry())

    def handle(self, entries: Sequence[RawEntry]) -> BatchResult:
        """Screen every entry, append the good ones in one transaction, list the refusals.

        Raises when the producer registry cannot be read or the append fails: then nothing was
        committed and nothing may be acked (see `handle_isolating`)."""
        return self.append(self.screen(entries))

    def append(self, screened: Screened) -> BatchResult:
        prepared = [event for _, event in screened.ready]
        sources = [f"{entry.stream}/{entry.entry_id}" for entry, _ in screened.ready]
        return BatchResult(self._appender.append(prepared, sources), list(screened.refused))

    def handle_isolating(
        self,
        entries: Sequence[RawEntry],
        is_outage: Callable[[BaseException], bool],
        store_answers: Callable[[], bool] = lambda: True,
    ) -> BatchResult:
        """`append_isolating` of the batch screened here."""
        return self.append_isolating(self.screen(entries), is_outage, store_answers)

    def append_isolating(
        self,
        screened: Screened,
        is_outage: Callable[[BaseException], bool],
        store_answers: Callable[[], bool] = lambda: True,
    ) -> BatchResult:
        """`append`, and when it fails for a reason other than an outage of the store, the batch
        split in halves until the entry that fails alone is found and refused; its neighbours are
        appended as without it. An outage is raised: nothing is refused for it. An error is taken
        for an outage too whenever the store does not answer (`store_answers`, a ping) right after
        it: no entry is blamed for a database that is going away."""
        try:
            return self.append(screened)
        except Exception as exc:
            ready = screened.ready
            if is_outage(exc) or not ready or not store_answers():
                raise
            if len(ready) == 1:
                refused = DeadLetter(ready[0][0], unprocessable("append", exc))
                return BatchResult(AppendOutcome(), [*screened.refused, refused])
        middle = len(ready) // 2
        first = self.append_isolating(
            Screened(ready[:middle], list(screened.refused)), is_outage, store_answers
        )
        second = self.append_isolating(Screened(ready[middle:]), is_outage, store_answers)
        return BatchResult(merged(first.outcome, second.outcome), first.dead_letters + second.dead_letters)


def merged(a: AppendOutcome, b: AppendOutcome) -> AppendOutcome:
    """Two appends' outcomes as one; the later head of a chain wins."""
    return AppendOutcome(
        appended=a.appended + b.appended,
        duplicates=a.duplicates + b.duplicates,
        conflicts=a.conflicts + b.conflicts,
        heads={**a.heads, **b.heads},
        violations=a.violations + b.violations,
        unchecked=a.unchecked + b.unchecked,
    )

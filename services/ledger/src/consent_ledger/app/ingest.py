"""Use case: one broker batch in, entries appended and refusals sorted out, by one poison policy.

Two halves: `screen` (app.screening: parse, producer check, prepare; pure, so it may run in another
process) and the append of what it let through, in one transaction. Pure of brokers: the adapter
hands raw stream entries in, with how often the broker has delivered them, and does the I/O the
result asks for (dead-letter, then acknowledge).

The poison policy (`IngestService.settle`), whole, rests on the error family (core/errors.py):
- another writer's contention (`Contention`): the batch tried again at once, CONTENTION_RETRIES times;
- an outage (`Unavailable`), or a store that does not answer right after a failure: raised; nothing
  is refused and the broker leaves the batch pending, to be delivered again;
- any other failure is the data's: the batch split in halves until the entry that fails alone is
  found and refused (`unprocessable`); its neighbours are appended as without it;
- an entry the broker has delivered its maximum number of times is set apart when its batch still
  fails: the rest tried without it, then it alone; failing alone while the store answers, for a
  reason that can be its own (not `Unreachable`, not `Locked`), it is refused
  (`delivery-attempts-exceeded`) so that its stream moves on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from ledger_contracts import EventRefused, Refusal
from ledger_contracts.streams import EVENT_FIELD

from ..core.errors import Contention, Locked, Unavailable, Unreachable
from ..core.pseudonyms import Pseudonymizer
from .append import AppendOutcome, BatchAppender
from .producers import ProducerGate, ProducerRecord
from .screening import DeadLetter, RawEntry, Screened, screen, unprocessable

__all__ = [
    "CONTENTION_RETRIES",
    "BatchResult",
    "DeadLetter",
    "IngestService",
    "RawEntry",
    "Screened",
    "Settled",
    "merged",
]

CONTENTION_RETRIES = 5


@dataclass
class BatchResult:
    outcome: AppendOutcome
    dead_letters: list[DeadLetter] = field(default_factory=list)


@dataclass
class Settled:
    """A batch settled by the poison policy: what was appended and refused, the entries done with
    (the broker acknowledges them), and, when the batch failed whole before its exhausted entries
    were set apart, the class of that failure (never its message: it may quote the input)."""

    result: BatchResult
    done: list[str]
    failed: str | None = None


def _said(entry: RawEntry, name: str) -> str | None:
    """A top-level text field of the entry's event, when it can be read at all (for the dead letter,
    which shows it only when it is a UUID or a known event type)."""
    try:
        value = json.loads(entry.fields.get(EVENT_FIELD.encode()) or b"{}").get(name)
    except Exception:  # noqa: BLE001
        return None
    return value[:128] if isinstance(value, str) else None


def _named(exc: BaseException) -> str:
    """An error by its class and the class of the error it translates (never a message: it may
    quote the input): `WriteContention (IntegrityError)`."""
    cause = exc.__cause__
    return f"{type(exc).__name__} ({type(cause).__name__})" if cause else type(exc).__name__


class IngestService:
    def __init__(
        self,
        appender: BatchAppender,
        pseudonyms: Pseudonymizer,
        gate: ProducerGate | None = None,
        store_answers: Callable[[], bool] = lambda: True,
    ) -> None:
        """`gate`: only registered producers' signed events count; None in development mode only.
        `store_answers`: whether the store can be used now (a ping), asked before an entry is blamed
        for a failure."""
        self._appender = appender
        self._pseudonyms = pseudonyms
        self._gate = gate
        self._store_answers = store_answers

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
        """Screen every entry, append the good ones in one transaction, list the refusals; no policy.

        Raises when the producer registry cannot be read or the append fails: then nothing was
        committed and nothing may be acked (see `settle`)."""
        return self._append(self.screen(entries))

    def settle(
        self,
        entries: Sequence[RawEntry],
        screened: Screened | None = None,
        exhausted: Collection[str] = (),
        max_deliveries: int = 0,
        retried: Callable[[BaseException], None] = lambda exc: None,
    ) -> Settled:
        """The batch by the poison policy (the module's docstring). `screened`: the batch as screened
        elsewhere (screened here when None); `exhausted`: the ids of the entries delivered
        `max_deliveries` times; `retried` is told of each retry after contention. Raises when the
        batch cannot be settled now: then nothing was committed and nothing may be acknowledged."""
        try:
            return Settled(self._retrying(entries, screened, retried), [e.entry_id for e in entries])
        except Exception as exc:
            if not exhausted:
                raise
            failed = _named(exc)
        rest = [e for e in entries if e.entry_id not in exhausted]
        result = self._retrying(rest, None, retried)  # raises: still failing, not their doing
        done = [e.entry_id for e in rest]
        for entry in (e for e in entries if e.entry_id in exhausted):
            if self._alone(entry, result, max_deliveries, retried):
                done.append(entry.entry_id)
        return Settled(result, done, failed)

    def _alone(
        self, entry: RawEntry, result: BatchResult, deliveries: int, retried: Callable[[BaseException], None]
    ) -> bool:
        """An exhausted entry tried once more on its own, added to `result`; refused when it fails
        alone while the store answers, for a reason that can be its own. Whether it is done with."""
        try:
            alone = self._retrying([entry], None, retried)
        except Exception as exc:
            if isinstance(exc, Unreachable | Locked) or not self._store_answers():
                return False
            refusal = EventRefused(
                Refusal.DELIVERY_ATTEMPTS_EXCEEDED,
                f"delivered {deliveries} times without being committed; set aside so that its "
                f"stream moves on ({_named(exc)})",
                event_id=_said(entry, "event_id"),
                event_type=_said(entry, "event_type"),
            )
            result.dead_letters.append(DeadLetter(entry, refusal))
            return True
        result.outcome = merged(result.outcome, alone.outcome)
        result.dead_letters += alone.dead_letters
        return True

    def _retrying(
        self, entries: Sequence[RawEntry], screened: Screened | None, retried: Callable[[BaseException], None]
    ) -> BatchResult:
        """Another writer's contention (the same new subject or event at the same moment, a
        serialization failure) resolved by trying again at once. Screened here when not ahead."""
        for attempt in range(1, CONTENTION_RETRIES + 1):
            try:
                return self._isolating(screened if screened is not None else self.screen(entries))
            except Contention as exc:
                if attempt == CONTENTION_RETRIES:
                    raise
                retried(exc)
        raise AssertionError("unreachable")

    def _append(self, screened: Screened) -> BatchResult:
        prepared = [event for _, event in screened.ready]
        sources = [f"{entry.stream}/{entry.entry_id}" for entry, _ in screened.ready]
        return BatchResult(self._appender.append(prepared, sources), list(screened.refused))

    def _isolating(self, screened: Screened) -> BatchResult:
        """`_append`, and when it fails for the data's sake, the batch split in halves until the entry
        that fails alone is found and refused; its neighbours are appended as without it. An outage
        or contention is raised; so is any error while the store does not answer right after it: no
        entry is blamed for a store that is going away."""
        try:
            return self._append(screened)
        except Exception as exc:
            ready = screened.ready
            if isinstance(exc, Unavailable | Contention) or not ready or not self._store_answers():
                raise
            if len(ready) == 1:
                refused = DeadLetter(ready[0][0], unprocessable("append", exc))
                return BatchResult(AppendOutcome(), [*screened.refused, refused])
        middle = len(ready) // 2
        first = self._isolating(Screened(ready[:middle], list(screened.refused)))
        second = self._isolating(Screened(ready[middle:]))
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

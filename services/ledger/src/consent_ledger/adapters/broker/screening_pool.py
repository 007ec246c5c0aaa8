"""Screening (app.screening) in worker processes, so that parsing, signature checks and preparing
run on the other cores while this process appends the batch before. A worker holds the pseudonym
keys (given once, when it starts) and nothing else: it reads and writes nothing.

A worker that dies (or a pool that cannot start) costs nothing but time: the batch is screened in
this process instead, and the pool is made anew for the next one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ...app.producers import ProducerRecord
from ...app.records import PreparedEvent
from ...app.screening import DeadLetter, RawEntry, Screened, screen
from ...core.pseudonyms import Pseudonymizer
from ..collector import tune_collector

__all__ = ["ScreeningPool"]

log = logging.getLogger("consent_ledger.screening")

_pseudonyms: Pseudonymizer | None = None  # in a worker: set once by _start
PARENT_CHECK_S = 0.5
# what a worker sends back: the ready entries by their place, the refused ones, unknown producers
_Answer = tuple[list[tuple[int, PreparedEvent]], list[DeadLetter], set[str]]


def _start(pseudonyms: Pseudonymizer, parent: int) -> None:
    global _pseudonyms  # noqa: PLW0603 - the worker's one piece of state
    _pseudonyms = pseudonyms
    tune_collector()
    threading.Thread(target=_follow, args=(parent,), name="parent-watch", daemon=True).start()


def _follow(parent: int) -> None:
    """End this worker once the process that started it is gone (killed, say): a worker would
    otherwise live on, orphaned, beside the consumer started in its place."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _screen_here(entries: Sequence[RawEntry], producers: Mapping[str, ProducerRecord] | None) -> _Answer:
    """In a worker. The entries let through go back by their place in `entries`, not as themselves:
    the sender has them, and their bodies would otherwise cross the pipe a second time."""
    assert _pseudonyms is not None, "a screening worker starts with its keys"
    screened = screen(entries, _pseudonyms, producers)
    place = {id(entry): i for i, entry in enumerate(entries)}
    ready = [(place[id(entry)], prepared) for entry, prepared in screened.ready]
    return ready, screened.refused, screened.unknown_producers


def _ready() -> bool:
    return _pseudonyms is not None


class ScreeningPool:
    """`workers` processes (spawned: nothing of this process's threads or connections is copied);
    a batch is cut into one part per worker."""

    def __init__(self, pseudonyms: Pseudonymizer, workers: int) -> None:
        self._pseudonyms = pseudonyms
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._workers, multiprocessing.get_context("spawn"), _start, (self._pseudonyms, os.getpid())
            )
        return self._pool

    def pids(self) -> list[int]:
        """The workers' process ids (for the operator's view and the fault tests)."""
        return [] if self._pool is None else sorted(self._pool._processes)  # noqa: SLF001

    async def start(self) -> None:
        """Start the workers now (they import the contracts), not on the first batch."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        await asyncio.gather(*(loop.run_in_executor(pool, _ready) for _ in range(self._workers)))

    async def screen(
        self, entries: Sequence[RawEntry], producers: Mapping[str, ProducerRecord] | None
    ) -> Screened:
        loop = asyncio.get_running_loop()
        size = -(-len(entries) // self._workers)
        parts = [list(entries[i : i + size]) for i in range(0, len(entries), size)] or [[]]
        try:
            pool = self._executor()
            done = await asyncio.gather(
                *(loop.run_in_executor(pool, _screen_here, p, producers) for p in parts)
            )
        except BrokenProcessPool:
            log.error("a screening worker stopped; this batch is screened here and the pool made anew")
            self.close(wait=False)
            return await asyncio.to_thread(screen, entries, self._pseudonyms, producers)
        out = Screened()
        for part, (ready, refused, unknown) in zip(parts, done, strict=True):
            out.ready += [(part[i], prepared) for i, prepared in ready]
            out.refused += refused
            out.unknown_producers |= unknown
        return out

    def close(self, wait: bool = True) -> None:
        """Stop the workers; by default wait until they have ended. Not waiting, a process that
        exits right after could lose the stop sentinels with its queue's feeder thread and then wait
        for ever on workers that never got them (seen with two replicas stopping: bench/replicas.py).
        A broken pool is left without waiting."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None

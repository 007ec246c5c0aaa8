"""Verifying the ledger on every core: worker processes read the entries in parts and check
each part on its own (core.segments); the parts are stitched here, in order. It only ever
accepts: whatever it does not accept is left to the sequential reference, which names the
damage (docs/ledger-format.md §12)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from typing import Protocol, TypeVar

from ..core.audit import RootWatch
from ..core.segments import Segment, check_segment, stitch
from ..core.verify import ChainReport, seq_of

__all__ = [
    "PARALLEL_FROM",
    "ChainPlan",
    "PartReader",
    "Run",
    "usable_cores",
    "verify_in_parts",
]

PARALLEL_FROM = 50_000  # entries; below this, starting the workers costs more than it saves


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive entries of one chain as read; `start` None: the first body's seq says."""

    chain: str
    start: int | None
    bodies: list[bytes]
    hashes: list[bytes]


PartT = TypeVar("PartT")
PartT_contra = TypeVar("PartT_contra", contravariant=True)


class PartReader(Protocol[PartT_contra]):
    """Reads one part of the ledger in a worker process; pickled to get there, so it holds
    only plain values (a path, a URL). Raises ValueError when a part cannot be read as entries."""

    def read(self, part: PartT_contra) -> Iterator[Run]: ...


@dataclass(frozen=True, slots=True)
class ChainPlan:
    chain: str
    expected_length: int | None  # the head's recorded length: fewer entries is damage
    sizes: frozenset[int] = frozenset()  # tree sizes whose roots are wanted (checkpoints)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_method() -> multiprocessing.context.BaseContext:
    """fork where there is one: a worker then starts with this process's modules loaded, where a
    spawned one would first import the whole command again (about a second each). It uses none
    of what it inherits but the code, and freezes it first (`gc.freeze`), so that it never
    finalizes an inherited object: a database connection finalized there would say goodbye to
    the server on this process's socket."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _check_part(
    reader: PartReader[PartT], part: PartT, sizes: Mapping[str, Collection[int]]
) -> list[Segment | None]:
    """In a worker: one part's runs, each checked on its own; None for one that fails."""
    out: list[Segment | None] = []
    try:
        for run in reader.read(part):
            start = run.start if run.start is not None else seq_of(run.bodies[0], run.chain)
            if start is None or run.chain not in sizes:
                out.append(None)
                continue
            out.append(check_segment(run.chain, start, run.bodies, run.hashes, sizes[run.chain]))
    except ValueError:
        out.append(None)
    return out


def verify_in_parts(
    reader: PartReader[PartT],
    parts: Sequence[PartT],
    plans: list[ChainPlan],
    workers: int,
    advance: Callable[[int], None] = lambda n: None,
) -> dict[str, tuple[ChainReport, RootWatch]] | None:
    """Every chain's report and Merkle roots, as the reference verifier gives them; None as soon
    as anything does not hold (then ask the reference). `parts` in ledger order."""
    sizes = {p.chain: p.sizes for p in plans}
    found: dict[str, list[Segment]] = {p.chain: [] for p in plans}
    context = _start_method()
    forked = context.get_start_method() == "fork"
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=gc.freeze if forked else None)
    try:
        for segments in pool.map(_check_part, repeat(reader), parts, repeat(sizes)):
            for seg in segments:
                if seg is None:
                    return None
                found[seg.chain].append(seg)
                advance(seg.count)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    out = {}
    for plan in plans:
        stitched = stitch(plan.chain, found[plan.chain], plan.expected_length, plan.sizes)
        if stitched is None:
            return None
        out[plan.chain] = stitched
    return out

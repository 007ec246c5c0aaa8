"""The garbage collector set for batch work (the consumer and its screening workers)."""

from __future__ import annotations

import gc

__all__ = ["tune_collector"]


def tune_collector() -> None:
    """For a process that appends batches: what was built at start-up (FastStream, SQLAlchemy,
    pydantic schemas) is moved out of the collector's sight, and the youngest generation is
    collected less often. A batch of 1,000 events makes some hundred thousand short-lived objects;
    with the defaults the collector walks every live object again and again, a third of an append's
    time (measured: 69 against 47 microseconds per event)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)

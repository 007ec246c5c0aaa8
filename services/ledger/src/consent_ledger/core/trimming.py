"""Which entries of an input stream may go: those every consumer group that must read the stream
has acknowledged. Pure: the adapter reads the groups and does the XTRIM.

Below a group's oldest pending entry, and up to its last-delivered id when nothing is pending,
the group has acknowledged everything; entries after its last-delivered id it has not even read.
The stream may be trimmed below the lowest such bound over the required groups, and a required
group that does not exist yet holds everything back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

__all__ = ["GroupState", "safe_min_id"]


@dataclass(frozen=True, slots=True)
class GroupState:
    last_delivered: str  # "<ms>-<seq>", "0-0" when nothing was delivered
    oldest_pending: str | None  # None when nothing is pending


def _parse(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _next(entry_id: str) -> tuple[int, int]:
    ms, seq = _parse(entry_id)
    return (ms, seq + 1)


def safe_min_id(required: Collection[str], groups: Mapping[str, GroupState]) -> str | None:
    """The MINID for `XTRIM … MINID`: every entry below it is acknowledged by every required group.
    None when nothing may be trimmed (a required group is missing, or nothing is acknowledged)."""
    if not required or any(g not in groups for g in required):
        return None
    bounds = []
    for name in required:
        g = groups[name]
        bounds.append(_parse(g.oldest_pending) if g.oldest_pending else _next(g.last_delivered))
    ms, seq = min(bounds)
    return None if (ms, seq) <= (0, 0) else f"{ms}-{seq}"

"""Whether a process's dependencies answer: the database and the broker, each asked with a time
limit. `/health` and `/ready` of every process report these (adapters/http/app.py for `serve` and `up`,
adapters/http/metrics.py for a `consume` replica and the notifier on its own)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

__all__ = ["Check", "dependency_checks", "readiness", "store_and_broker"]

Check = Callable[[], Awaitable[Any]]
TIMEOUT = 5.0


async def dependency_checks(checks: Mapping[str, Check], timeout: float = TIMEOUT) -> dict[str, str]:
    """name -> "ok", or "error: <kind of failure>" (never the message: it may hold a URL)."""
    out: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), timeout)
            out[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            out[name] = f"error: {type(exc).__name__}"
    return out


def store_and_broker(ping_database: Callable[[], Any], redis: Any) -> dict[str, Check]:
    """The two dependencies of every ledger process: the database (pinged off the event loop) and
    Redis."""
    return {"database": lambda: asyncio.to_thread(ping_database), "broker": redis.ping}


def readiness(found: Mapping[str, str]) -> tuple[int, dict[str, str]]:
    """(status code, body) of /ready: 200 when every dependency answers, else 503 naming which."""
    fine = all(v == "ok" for v in found.values())
    return (200 if fine else 503), {"status": "ready" if fine else "unavailable", **found}

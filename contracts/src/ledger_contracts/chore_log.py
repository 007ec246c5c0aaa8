"""How a chore that runs every second logs its failures: once when they begin (with the
traceback), again when their kind changes, a reminder at most every ten minutes while they last,
and once when the chore works again. A database or Redis outage is then a few lines in the log, not
one traceback a second (issue 29 item 11). Shared by the ledger's and the notifier's chores."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import NoReturn

__all__ = ["ChoreLog"]


class ChoreLog:
    def __init__(
        self,
        log: logging.Logger,
        what: str,
        remind_every: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log, self.what, self.remind_every, self.clock = log, what, remind_every, clock
        self._failing: str | None = None  # the kind of failure while failing
        self._since = 0.0
        self._told = 0.0
        self._times = 0

    def failed(self, exc: BaseException) -> None:
        kind = type(exc).__name__
        now = self.clock()
        self._times += 1
        if self._failing != kind:
            if self._failing is None:
                self._since = now
            self._failing, self._told = kind, now
            self.log.error("%s failed (%s); trying again", self.what, kind, exc_info=exc)
        elif now - self._told >= self.remind_every:
            self._told = now
            self.log.error(
                "%s still failing (%s) for %.0f s, %d attempts; trying again",
                self.what,
                kind,
                now - self._since,
                self._times,
            )

    def succeeded(self) -> None:
        if self._failing is not None:
            self.log.warning(
                "%s works again after %.0f s (%d failed attempts)",
                self.what,
                self.clock() - self._since,
                self._times,
            )
            self._failing, self._times = None, 0

    async def repeat(self, step: Callable[[], Awaitable[object]], every: float) -> NoReturn:
        """Run `step` every `every` seconds, until cancelled; a failure is logged here and tried
        again at the next turn."""
        while True:
            try:
                await step()
            except Exception as exc:  # noqa: BLE001 - logged by failed(), tried again
                self.failed(exc)
            else:
                self.succeeded()
            await asyncio.sleep(every)

"""Login throttling: after a few failed attempts for a user name, or from one client address, each
further attempt must wait longer (1 s, 2 s, 4 s, ... up to 5 min), and after ten a temporary
lockout of 15 minutes follows. A success clears the user name's record. Plain values and a
clock: the adapter keeps one per process and says how long to wait (Retry-After)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = ["LoginThrottle"]


@dataclass
class LoginThrottle:
    free_attempts: int = 3
    first_delay: timedelta = timedelta(seconds=1)
    longest_delay: timedelta = timedelta(minutes=5)
    lockout_after: int = 10
    lockout: timedelta = timedelta(minutes=15)
    _failures: dict[str, tuple[int, datetime]] = field(default_factory=dict)  # key -> (count, wait until)

    def wait(self, keys: list[str], now: datetime) -> timedelta | None:
        """How long these keys must still wait before an attempt is heard, or None."""
        until = max((self._failures[k][1] for k in keys if k in self._failures), default=None)
        return until - now if until is not None and until > now else None

    def failed(self, keys: list[str], now: datetime) -> None:
        for key in keys:
            count = self._failures.get(key, (0, now))[0] + 1
            if count >= self.lockout_after:
                until = now + self.lockout
            elif count >= self.free_attempts:
                until = now + min(self.first_delay * 2 ** (count - self.free_attempts), self.longest_delay)
            else:
                until = now
            self._failures[key] = (count, until)
        if len(self._failures) > 100_000:  # an address sweep must not grow this without end
            self._failures = {k: v for k, v in self._failures.items() if v[1] > now}

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self._failures.pop(key, None)

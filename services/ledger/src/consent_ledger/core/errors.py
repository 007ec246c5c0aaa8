"""The ledger's one family of errors, grouped by what the caller does next (issue 30 item 6):

- `Refused`: the input is refused; correct it and ask again (HTTP 4xx, exit 2);
- `Damaged`: the evidence does not hold (exit 1; a verdict, never retried);
- `Unavailable`: an outage or a part not yet able to answer; leave it pending, try again later
  (HTTP 503, exit 3);
- `Conflict`: another writer or the present state stands in the way (HTTP 409, exit 1); of those,
  `Contention` (another writer got there first) is tried again at once.

Two of them never blame the input, however often it comes back: `Unreachable` (what the work
needs cannot be reached) and `Locked` (another writer holds a lock). The ingest's poison policy
(app/ingest.py) rests on these classes; the adapters map their drivers' errors onto them.

Every error the ledger raises on purpose is one of them, with a machine-readable `reason`; the
classes the code raises (RequestRefused, IntegrityError, …) are subclasses under their own names.
One HTTP handler (adapters/http/app.py) and one command-line mapper (cli/context.py) turn them
into a status and an exit code. Pure: core/ may raise them as well as everything above it."""

from __future__ import annotations

__all__ = [
    "Conflict",
    "Contention",
    "Damaged",
    "InputRefused",
    "LedgerError",
    "Locked",
    "Refused",
    "Unavailable",
    "Unreachable",
]


class LedgerError(Exception):
    """An error the ledger raises on purpose. `reason` names it for a machine."""

    reason: str = "ledger-error"
    http_status: int = 500
    exit_code: int = 1
    word: str = "refused"  # what the command line says before the message

    def __init__(self, *args: object, reason: str | None = None) -> None:
        super().__init__(*args)
        if reason is not None:
            self.reason = reason


class Refused(LedgerError):
    reason, http_status, exit_code = "refused", 422, 2


class Damaged(LedgerError):
    reason, http_status, exit_code, word = "damaged", 500, 1, "damaged"


class Unavailable(LedgerError):
    reason, http_status, exit_code, word = "unavailable", 503, 3, "unavailable"


class Conflict(LedgerError):
    reason, http_status, exit_code, word = "conflict", 409, 1, "conflict"


class Unreachable(Unavailable):
    """What the work needs cannot be reached (a database down): no input is ever blamed for it."""


class Contention(Conflict):
    """Another writer got there first: try again at once."""


class Locked(Contention):
    """Another writer holds a lock the work needs: try again at once; no input is blamed for it."""


class InputRefused(Refused, ValueError):
    """A use case's refusal of its input, the message naming the field and what it takes (a
    ValueError too, for the callers that catch that)."""

    reason = "invalid-input"

"""A newsletter run: mail exactly those subscribers who may be mailed, asking the ledger just
before each batch, so a withdrawal during the run is honoured by every later batch.

    LEDGER_URL=http://127.0.0.1:8080 LEDGER_TOKEN=lc.nieuwsbrief.… \\
        python newsletter_run.py < subscribers.txt     # one BSN or pseudonym per line

prints the subscribers to mail, one per line. The token is a client with scope consent:check
(`consent-ledger clients add nieuwsbrief --scope consent:check`). Any refusal or error stops the
run: nobody is mailed without a yes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from ledger_contracts.client import ConsentClient


def newsletter_run(
    ledger_url: str,
    token: str,
    subscribers: Sequence[str],
    send: Callable[[str], None],
    batch_size: int = 500,
) -> list[str]:
    """Send to each subscriber with valid consent now; returns whom it sent to."""
    mailed: list[str] = []
    with ConsentClient(ledger_url, token) as ledger:
        for start in range(0, len(subscribers), batch_size):
            for subscriber in ledger.mailable(subscribers[start : start + batch_size]):
                send(subscriber)
                mailed.append(subscriber)
    return mailed


if __name__ == "__main__":
    wanted = [line.strip() for line in sys.stdin if line.strip()]
    newsletter_run(os.environ["LEDGER_URL"], os.environ["LEDGER_TOKEN"], wanted, print)

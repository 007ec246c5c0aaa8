"""The ledger's commands, one module per group (keys, proofs, verify, export, privacy, rights, …),
each a `commands` Typer of top-level functions; table.py names them and loads each when it runs.
`consent-ledger-service` is this table alone; the product's `consent-ledger` (consent_platform.cli)
adds `up`, `demo`, the notifier's groups.

Exit codes: 0 done (`verify`: intact), 1 refused or damaged, 2 usage error, 3 unavailable (an
outage: try again)."""

from __future__ import annotations

from .context import run
from .table import LEDGER_COMMANDS, lazy_app

__all__ = ["HELP", "app", "main"]

HELP = "Consent and disclosure ledger"

app = lazy_app(LEDGER_COMMANDS, HELP)


def main() -> None:  # noqa: D103
    run(app)

"""`consent-ledger`: the ledger's commands (consent_ledger.cli's table) and the product's own
(consent_platform.commands): `up`, `notifier`, `demo`, and the notifier's `users`, `registry` and
`outbox` groups. Each command's module is loaded when it runs.

Exit codes: 0 done (`verify`: intact), 1 refused or damaged, 2 usage error, 3 unavailable (an
outage: try again)."""

from __future__ import annotations

from consent_ledger.cli import HELP
from consent_ledger.cli.context import run
from consent_ledger.cli.table import LEDGER_COMMANDS, Command, lazy_app

__all__ = ["PRODUCT_COMMANDS", "app", "main"]

_OWN = "consent_platform.commands"
PRODUCT_COMMANDS: dict[str, Command] = {
    "up": Command(_OWN, "Run the ledger consumer, the notifier and the HTTP API in one process."),
    "notifier": Command(
        _OWN,
        "Run only the notifier (phone rule, worklist page under /telefoon, outbox); needs "
        "LEDGER_REDIS_URL and the ledger's database and keys.",
    ),
    "demo": Command(
        _OWN, "Publish realistic events from the seeds' scenarios to the running ledger's broker."
    ),
    **LEDGER_COMMANDS,
    "users": Command(_OWN, "Personal credentials of users and services (art. 7)"),
    "registry": Command(_OWN, "Known-party registry of art. 8 lid 3"),
    "outbox": Command(_OWN, "The notifier's outbox: what waits, what was given up"),
}

app = lazy_app(PRODUCT_COMMANDS, HELP)


def main() -> None:  # noqa: D103
    run(app)


if __name__ == "__main__":
    main()

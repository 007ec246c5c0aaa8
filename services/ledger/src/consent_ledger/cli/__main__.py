"""`python -m consent_ledger.cli`: the ledger's commands."""

from . import main

main()

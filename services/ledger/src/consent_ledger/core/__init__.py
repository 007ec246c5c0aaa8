"""Pure ledger logic: standard library and cryptography only."""

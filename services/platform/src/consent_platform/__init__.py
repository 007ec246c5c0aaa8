"""The product composed of its services: `consent-ledger up` (ledger, notifier and HTTP API in one
process), the notifier as its own process, the demo, and the one command line of both services.
Only this package imports both the ledger and the notifier."""

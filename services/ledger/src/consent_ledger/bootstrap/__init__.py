"""The ledger's composition root: settings in, wired parts out, once per process; nothing is built at
import time. One module per reach, so that a command imports only what it builds (the auditor's
commands start at once: tests/project/test_startup_imports.py):

- `store`: the database (`build_store`), for every command that reads or writes the ledger;
- `privacy`: the register, retention, erasure and subject-rights use cases, and the checkpoint signer;
- `ledger`: the consuming side (broker, screening, ingest, producers, API clients): `consume`, `up`;
- `api`: the HTTP app over a ledger (`build_api`): `serve`, `up`, the tests and the benchmarks.

`runner` starts and stops what these build; the commands, the tests and the benchmarks build through
them, never by hand."""

"""A token the store confirmed is still taken while the store does not answer (a database outage),
for a day at most; a token never confirmed is not, and the answer says the store is away, not that
the token is wrong (issue 29 item 5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from consent_ledger.app.clients import ApiClients, ClientRecord, ClientsUnavailable


class _Store:
    def __init__(self) -> None:
        self.records: dict[str, ClientRecord] = {}
        self.down = False

    def put_client(self, record: ClientRecord) -> None:
        self.records[record.token_sha256] = record

    def client_by_digest(self, digest: str) -> ClientRecord | None:
        if self.down:
            raise ConnectionRefusedError("the database does not answer")
        return self.records.get(digest)


def test_a_confirmed_token_outlives_the_store_s_silence_for_a_day_at_most(monkeypatch):
    store = _Store()
    clients = ApiClients(store, cache_seconds=5, stale_seconds=86400)  # type: ignore[arg-type]
    token = clients.add("prometheus", ["metrics:read"], datetime.now(UTC))
    other = clients.add("nieuwsbrief", ["consent:check"], datetime.now(UTC), ["werkcorporatie"])
    now = [1000.0]
    monkeypatch.setattr("consent_ledger.app.clients.time.monotonic", lambda: now[0])
    assert clients.authenticate(f"Bearer {token}").client_id == "prometheus"

    store.down = True
    now[0] += 60  # past the cache: the store is asked, and is silent
    assert clients.authenticate(f"Bearer {token}").client_id == "prometheus"
    with pytest.raises(ClientsUnavailable):
        clients.authenticate(f"Bearer {other}")  # never confirmed by this process
    now[0] += 86400
    with pytest.raises(ClientsUnavailable):
        clients.authenticate(f"Bearer {token}")  # a day is enough: then it must be asked again

"""The API clients of the consent queries, in the ledger's database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update

from ...app.clients import ClientRecord, Scope
from .models import ApiClientRow
from .tables import fixed_utc, parse_fixed_utc

__all__ = ["SqlClientStore"]

CLIENT = ApiClientRow.__table__  # type: ignore[attr-defined]


def _record(row: object) -> ClientRecord:
    r = row._mapping  # type: ignore[attr-defined]
    return ClientRecord(
        r["client_id"],
        r["token_sha256"],
        frozenset(Scope(s) for s in r["scopes"].split()),
        parse_fixed_utc(r["created_at"]),
        parse_fixed_utc(r["disabled_at"]) if r["disabled_at"] else None,
        frozenset(r["controllers"].split()),
    )


class SqlClientStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put_client(self, record: ClientRecord) -> None:
        values = {
            "token_sha256": record.token_sha256,
            "scopes": " ".join(sorted(record.scopes)),
            "created_at": fixed_utc(record.created_at),
            "disabled_at": None,
            "controllers": " ".join(sorted(record.controllers)),
        }
        with self.engine.begin() as conn:
            done = conn.execute(update(CLIENT).where(CLIENT.c.client_id == record.client_id).values(**values))
            if done.rowcount == 0:
                conn.execute(CLIENT.insert().values(client_id=record.client_id, **values))

    def client_by_digest(self, digest: str) -> ClientRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(CLIENT).where(CLIENT.c.token_sha256 == digest)).first()
            return _record(row) if row else None

    def clients(self) -> list[ClientRecord]:
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(select(CLIENT).order_by(CLIENT.c.client_id))]

    def tie_client(self, client_id: str, controllers: frozenset[str]) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(CLIENT)
                .where(CLIENT.c.client_id == client_id)
                .values(controllers=" ".join(sorted(controllers)))
            )
            return done.rowcount > 0

    def disable_client(self, client_id: str, at: datetime) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(CLIENT)
                .where(CLIENT.c.client_id == client_id, CLIENT.c.disabled_at.is_(None))
                .values(disabled_at=fixed_utc(at))
            )
            return done.rowcount > 0

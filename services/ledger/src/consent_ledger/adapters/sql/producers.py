"""The producer registry in the ledger's database (app.producers' port)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update

from ...app.producers import ProducerRecord
from .models import ProducerRow
from .tables import fixed_utc, parse_fixed_utc

__all__ = ["SqlProducerStore"]

PRODUCER = ProducerRow.__table__  # type: ignore[attr-defined]


class SqlProducerStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def producers(self) -> list[ProducerRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(PRODUCER).order_by(PRODUCER.c.producer_id)).mappings().all()
        return [
            ProducerRecord(
                r["producer_id"],
                r["public_key"],
                tuple(r["event_types"].split()),
                tuple(r["controllers"].split()),
                parse_fixed_utc(r["created_at"]),
                parse_fixed_utc(r["disabled_at"]) if r["disabled_at"] else None,
            )
            for r in rows
        ]

    def put_producer(self, record: ProducerRecord) -> None:
        """Add, or replace the key and scope of, a producer (enabling it again)."""
        values = {
            "public_key": record.public_key,
            "event_types": " ".join(record.event_types),
            "controllers": " ".join(record.controllers),
            "created_at": fixed_utc(record.created_at),
            "disabled_at": None,
        }
        with self.engine.begin() as conn:
            where = PRODUCER.c.producer_id == record.producer_id
            if conn.execute(update(PRODUCER).where(where).values(**values)).rowcount == 0:
                conn.execute(PRODUCER.insert().values(producer_id=record.producer_id, **values))

    def disable_producer(self, producer_id: str, at: datetime) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(PRODUCER)
                .where(PRODUCER.c.producer_id == producer_id, PRODUCER.c.disabled_at.is_(None))
                .values(disabled_at=fixed_utc(at))
            )
            return done.rowcount > 0

"""Times as the notifier stores them: instants in UTC on both databases (DESIGN.md invariant 15).

SQLite has no time zone type: SQLAlchemy's DateTime writes an aware value's wall-clock digits and
drops its offset, so a verification "until 23:59+01:00" was read back as 23:59 UTC, an hour late.
`UtcDateTime` converts every instant to UTC before it is written (and refuses a naive one), and
hands it back aware, in UTC; on PostgreSQL the column is a timestamptz as before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["UtcDateTime", "aware", "utc"]


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("an instant must carry its offset (a naive datetime is refused)")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return utc(value)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

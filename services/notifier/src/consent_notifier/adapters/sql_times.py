"""Times as the notifier stores them: in UTC (SQLite hands back naive datetimes)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["aware", "utc"]


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

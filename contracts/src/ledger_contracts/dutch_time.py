"""Legal dates are Dutch calendar dates (DESIGN.md invariant 15): a case that ended at 00:30 Dutch
time on 1 March ended on 1 March, though it was 23:30 UTC on 28 February. Instants stay UTC with
their offset; a date is taken, and a day ends, in Europe/Amsterdam (CET/CEST)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["AMSTERDAM", "dutch_date", "end_of_dutch_day", "parse_until", "start_of_dutch_day"]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # tzdata is a dependency: never a silent fall-back to UTC


def dutch_date(instant: datetime) -> date:
    """The Dutch calendar date of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("an instant must carry its offset")
    return instant.astimezone(AMSTERDAM).date()


def start_of_dutch_day(day: date) -> datetime:
    """The instant a Dutch calendar day begins (midnight in Europe/Amsterdam)."""
    return datetime.combine(day, time(), AMSTERDAM)


def end_of_dutch_day(day: date) -> datetime:
    """'Up to and including' `day`: the instant the next Dutch day begins."""
    return start_of_dutch_day(day + timedelta(days=1))


def parse_until(text: str) -> datetime:
    """An end given by a person: a date (`2027-11-23`: up to and including that Dutch day), a
    date and time without offset (Dutch local time), or an instant with its offset."""
    value = text.strip()
    if len(value) == 10:
        return end_of_dutch_day(date.fromisoformat(value))
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM)

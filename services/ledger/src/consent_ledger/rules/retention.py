"""Pure rules of retention: when the data of one subject under one processing activity are due, from
the register's retention rules (a milestone plus a duration) against the milestones the subject's
events reached.

Semantics (docs/privacy.md, "Retention"):
- a rule has started once its milestone happened; its period ends at milestone + duration;
- a case that starts anew stops the periods its earlier end, refusal or abortion started, and a
  consent given anew stops the period its end started (the data are needed again);
- when several rules have started, the data stay until the latest period ends: a controller keeps
  data as long as any of its rules asks;
- an activity with no rule that has started keeps its data (nothing is due).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from ledger_contracts.dutch_time import AMSTERDAM
from ledger_contracts.register import RetentionRule, parse_duration
from ledger_contracts.vocabulary import Milestone

__all__ = [
    "CASE_STARTED",
    "CONSENT_STARTED",
    "Due",
    "add_duration",
    "due",
    "due_under",
    "milestones_of",
]

# Milestones kept beside the register's, which stop periods again.
CASE_STARTED = "case-started"
CONSENT_STARTED = "consent-started"
_RESTARTED_BY = {
    Milestone.CASE_ENDED: CASE_STARTED,
    Milestone.CASE_REFUSED: CASE_STARTED,
    Milestone.CASE_ABORTED: CASE_STARTED,
    Milestone.CONSENT_ENDED: CONSENT_STARTED,
}


@dataclass(frozen=True, slots=True)
class Due:
    rule: RetentionRule
    milestone_at: datetime
    due_at: datetime


def add_duration(moment: datetime, duration: str) -> datetime:
    """ISO 8601 calendar arithmetic on the Dutch calendar (Europe/Amsterdam wall time, so a
    milestone at 00:30 on 1 March Dutch time counts from 1 March): P10Y from 29 February ends on
    28 February (relativedelta takes the last day of a month that is shorter)."""
    n, unit = parse_duration(duration)
    step: relativedelta | timedelta = {
        "Y": relativedelta(years=n),
        "M": relativedelta(months=n),
        "W": timedelta(weeks=n),
        "D": timedelta(days=n),
    }[unit]
    moved: datetime = moment.astimezone(AMSTERDAM) + step
    return moved


def due(rules: Iterable[RetentionRule], milestones: Mapping[str, datetime]) -> Due | None:
    """The period that ends last among the rules that have started, or None while none has."""
    started = []
    for rule in rules:
        at = milestones.get(rule.milestone)
        if at is None:
            continue
        restart = milestones.get(_RESTARTED_BY.get(rule.milestone, ""))
        if restart is not None and restart > at:
            continue
        started.append(Due(rule, at, add_duration(at, rule.duration)))
    return max(started, key=lambda d: d.due_at, default=None)


def due_under(
    rules: Iterable[RetentionRule],
    milestones: Mapping[Any, Mapping[str, datetime]],  # keyed by tuples one longer than `at`
    at: tuple[str, ...],
    activity: str,
) -> Due | None:
    """`due` for one activity, from milestones kept by `at + (activity,)`: those of the activity
    together with those kept for the whole controller (`at + ("*",)`, last contact)."""
    reached = {**milestones.get((*at, "*"), {}), **milestones.get((*at, activity), {})}
    return due(rules, reached)


def milestones_of(event_type: str, data: Mapping[str, object]) -> list[str]:
    """The milestones an event of the subject reaches under its activity (last contact is kept per
    controller, see CONTACT_EVENT_TYPES)."""
    if event_type == "case.started":
        return [CASE_STARTED]
    if event_type in ("case.ended", "case.refused", "case.aborted"):
        return [
            {"case.ended": Milestone.CASE_ENDED, "case.refused": Milestone.CASE_REFUSED}.get(
                event_type, Milestone.CASE_ABORTED
            )
        ]
    if event_type == "complaint.closed":
        if data.get("outcome") != "handled":
            return [Milestone.COMPLAINT_WITHDRAWN]
        if data.get("financial_consequences"):
            return [Milestone.COMPLAINT_CLOSED_FINANCIAL]
        return [Milestone.COMPLAINT_CLOSED]
    if event_type in ("consent.given", "consent.renewed"):
        return [CONSENT_STARTED]
    if event_type in ("consent.withdrawn", "consent.revoked", "consent.expired", "consent.refused"):
        return [Milestone.CONSENT_ENDED]
    return []

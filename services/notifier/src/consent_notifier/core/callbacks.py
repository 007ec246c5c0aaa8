"""Callback tasks: one per call-back decision, with a deadline.

Confirmed before the deadline means allow; failed, or nothing confirmed in time, means deny.
Recording the same outcome again changes nothing; a different outcome after one was recorded
is refused; a confirmation after the deadline does not allow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .reasons import Reason, Verdict

__all__ = [
    "CallbackTask",
    "Outcome",
    "OutcomeConflict",
    "TaskState",
    "Transition",
    "expire",
    "record_outcome",
]


class TaskState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    EXPIRED = "expired"


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    FAILED = "failed"


class OutcomeConflict(Exception):
    """Another outcome was already recorded for this task."""

    def __init__(self, task_id: str, recorded: TaskState, asked: Outcome) -> None:
        super().__init__(f"the callback was already recorded as {recorded}, not {asked}")
        self.task_id, self.recorded, self.asked = task_id, recorded, asked


@dataclass(frozen=True, slots=True)
class CallbackTask:
    task_id: str
    request_id: str
    number: str  # verified E.164 number from the registry
    deadline: datetime
    state: TaskState = TaskState.PENDING
    closed_at: datetime | None = None
    recorded_by: str | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    task: CallbackTask
    changed: bool  # False: a replay, nothing to record
    verdict: Verdict
    reason: Reason


_RESULT = {
    TaskState.CONFIRMED: (Verdict.ALLOW, Reason.CALLBACK_CONFIRMED),
    TaskState.FAILED: (Verdict.DENY, Reason.CALLBACK_FAILED),
    TaskState.EXPIRED: (Verdict.DENY, Reason.CALLBACK_DEADLINE_PASSED),
}


def _closed(task: CallbackTask, state: TaskState, at: datetime, by: str | None) -> Transition:
    verdict, reason = _RESULT[state]
    return Transition(replace(task, state=state, closed_at=at, recorded_by=by), True, verdict, reason)


def record_outcome(task: CallbackTask, outcome: Outcome, at: datetime, by: str) -> Transition:
    """Raises OutcomeConflict when a different outcome was already recorded."""
    if task.state is TaskState.PENDING:
        if at >= task.deadline:
            return _closed(task, TaskState.EXPIRED, task.deadline, None)
        return _closed(task, TaskState(outcome.value), at, by)
    if task.state is TaskState.EXPIRED or task.state.value == outcome.value:
        verdict, reason = _RESULT[task.state]
        return Transition(task, False, verdict, reason)
    raise OutcomeConflict(task.task_id, task.state, outcome)


def expire(task: CallbackTask, now: datetime) -> Transition | None:
    """The task's expiry if its deadline has passed while pending, else None."""
    if task.state is TaskState.PENDING and now >= task.deadline:
        return _closed(task, TaskState.EXPIRED, task.deadline, None)
    return None

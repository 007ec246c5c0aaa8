"""Callback tasks: confirmed, failed, expired, late, replayed, contradicted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from consent_notifier.core.callbacks import (
    CallbackTask,
    Outcome,
    OutcomeConflict,
    TaskState,
    expire,
    record_outcome,
)
from consent_notifier.core.reasons import Reason, Verdict

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TASK = CallbackTask("r1.cb", "r1", "+31527123456", T0 + timedelta(minutes=30))


def test_confirmed_in_time_allows():
    t = record_outcome(TASK, Outcome.CONFIRMED, T0 + timedelta(minutes=5), "mdw1")
    assert (t.changed, t.verdict, t.reason, t.task.state) == (
        True,
        Verdict.ALLOW,
        Reason.CALLBACK_CONFIRMED,
        TaskState.CONFIRMED,
    )
    assert t.task.recorded_by == "mdw1"


def test_failed_denies():
    t = record_outcome(TASK, Outcome.FAILED, T0 + timedelta(minutes=5), "mdw1")
    assert (t.verdict, t.reason, t.task.state) == (Verdict.DENY, Reason.CALLBACK_FAILED, TaskState.FAILED)


def test_a_late_confirmation_does_not_allow():
    t = record_outcome(TASK, Outcome.CONFIRMED, TASK.deadline + timedelta(seconds=1), "mdw1")
    assert (t.verdict, t.reason, t.task.state) == (
        Verdict.DENY,
        Reason.CALLBACK_DEADLINE_PASSED,
        TaskState.EXPIRED,
    )
    again = record_outcome(t.task, Outcome.CONFIRMED, TASK.deadline + timedelta(minutes=1), "mdw1")
    assert (again.changed, again.verdict) == (False, Verdict.DENY)


def test_expiry_runs_only_after_the_deadline():
    assert expire(TASK, TASK.deadline - timedelta(seconds=1)) is None
    t = expire(TASK, TASK.deadline)
    assert t is not None and (t.verdict, t.task.state, t.task.closed_at) == (
        Verdict.DENY,
        TaskState.EXPIRED,
        TASK.deadline,
    )
    assert expire(t.task, TASK.deadline + timedelta(hours=1)) is None


def test_replays_are_idempotent_and_contradictions_refused():
    done = record_outcome(TASK, Outcome.CONFIRMED, T0, "mdw1").task
    replay = record_outcome(done, Outcome.CONFIRMED, T0 + timedelta(minutes=1), "mdw2")
    assert (replay.changed, replay.task) == (False, done)
    with pytest.raises(OutcomeConflict, match="already recorded as confirmed"):
        record_outcome(done, Outcome.FAILED, T0 + timedelta(minutes=1), "mdw1")

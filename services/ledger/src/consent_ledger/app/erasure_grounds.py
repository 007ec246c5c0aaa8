"""Whether a subject's data may be erased, per processing activity of the register in force, and
on which ground a part is kept (GDPR art. 17(3)): the grounds an erasure decision rests on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ledger_contracts.dutch_time import dutch_date
from ledger_contracts.events import (
    DecisionGround,
    ErasureRule,
)
from ledger_contracts.legal import StatuteRef
from ledger_contracts.register import ProcessingRegister
from ledger_contracts.vocabulary import DecisionReason, GdprBasis

from ..rules.retention import due_under
from .registers import OPERATIONS_ACTIVITY
from .retention import Scope
from .rights_model import Hold

__all__ = ["erasure_grounds", "ground_source"]

# Bases under which the controller must or may keep the data while its task or period runs
# (art. 17(3)(b)); on consent (a) or legitimate interest (f) the data go on request (17(1)(b), (c)).
_KEEPING_BASES = frozenset(
    {GdprBasis.CONTRACT, GdprBasis.LEGAL_OBLIGATION, GdprBasis.VITAL_INTERESTS, GdprBasis.PUBLIC_TASK}
)


def erasure_grounds(
    scopes: Sequence[Scope],
    registers: dict[str, ProcessingRegister],
    milestones: dict[tuple[str, str], dict[str, datetime]],
    holds: Sequence[Hold],
    now: datetime,
) -> list[tuple[Scope, DecisionGround]]:
    """Per scope (controller, activity) of the subject: erased or kept, and why. Pure.

    Kept: the ledger's own record of requests (accountability), data under a legal hold that has not
    ended, data of an activity the register does not describe (decided by hand), and data of an
    activity on a keeping basis (b, c, d, e) whose retention period has not ended. Erased: data on
    consent or legitimate interest, and data whose period has ended. Data sealed under one key go
    together or stay together: an erasable scope sharing its key with a kept one stays, on its
    ground."""
    today = dutch_date(now)
    held = {h.controller: h for h in holds if h.kind == "legal-hold" and h.stops(today)}
    out: list[tuple[Scope, DecisionGround]] = []
    for s in scopes:
        out.append((s, _ground(s, registers, milestones, held, now)))
    kept_by_handle = {s.handle: g for s, g in out if g.outcome == "kept"}
    return [
        (s, g if g.outcome == "kept" or s.handle not in kept_by_handle else _on(kept_by_handle[s.handle], s))
        for s, g in out
    ]


def _on(ground: DecisionGround, scope: Scope) -> DecisionGround:
    return ground.model_copy(update={"controller": scope.controller, "activity": scope.activity})


def _ground(
    s: Scope,
    registers: dict[str, ProcessingRegister],
    milestones: dict[tuple[str, str], dict[str, datetime]],
    held: dict[str, Hold],
    now: datetime,
) -> DecisionGround:
    where = {"controller": s.controller, "activity": s.activity}
    if s.activity == OPERATIONS_ACTIVITY:
        return DecisionGround(**where, outcome="kept", reason=DecisionReason.ACCOUNTABILITY)
    hold = held.get(s.controller)
    if hold is not None:
        return DecisionGround(**where, outcome="kept", reason=DecisionReason.LEGAL_HOLD, until=hold.until)
    register = registers.get(s.controller)
    activity = register.activity(s.activity) if register else None
    if activity is None:
        return DecisionGround(**where, outcome="kept", reason=DecisionReason.UNKNOWN_ACTIVITY)
    bases = set(activity.legal_basis.gdpr_article_6_1)
    if not bases & _KEEPING_BASES:
        reason = (
            DecisionReason.CONSENT_BASIS if GdprBasis.CONSENT in bases else DecisionReason.LEGITIMATE_INTEREST
        )
        return DecisionGround(**where, outcome="erased", reason=reason)
    statute: StatuteRef | None = activity.legal_basis.statutes[0] if activity.legal_basis.statutes else None
    ended = due_under(activity.retention, milestones, (s.controller,), s.activity)
    if ended is None:
        return DecisionGround(
            **where, outcome="kept", reason=DecisionReason.PROCESSING_ONGOING, statute=statute
        )
    rule = ErasureRule(milestone=ended.rule.milestone, duration=ended.rule.duration)
    if ended.due_at <= now:
        return DecisionGround(**where, outcome="erased", reason=DecisionReason.PERIOD_ENDED, rule=rule)
    # What imposes the period is the rule's own source (ground_source), not a law of the task.
    return DecisionGround(
        **where,
        outcome="kept",
        reason=DecisionReason.RETENTION_RUNS,
        rule=rule,
        until=dutch_date(ended.due_at),
    )


def ground_source(registers: dict[str, ProcessingRegister], ground: DecisionGround) -> str | None:
    """Where a ground's retention rule comes from, as the register words it: the rule's label and
    its source (e.g. the Selectielijst), or None when the ground names no rule of the register."""
    register = registers.get(ground.controller)
    activity = register.activity(ground.activity) if register else None
    if activity is None or ground.rule is None or ground.rule.milestone is None:
        return None
    for r in activity.retention:
        if r.milestone == ground.rule.milestone and r.duration == ground.rule.duration:
            return f"{r.label} ({r.source})" if r.source else r.label
    return None

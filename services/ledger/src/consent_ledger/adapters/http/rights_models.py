"""The rights API's request and answer bodies (a resident's requests, decisions, holds, access
reports), and how the use cases' records are shown in them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from ledger_contracts.dutch_time import dutch_date
from ledger_contracts.formats import EVENT_ID_PATTERN, ActorId, ChainName
from ledger_contracts.subjects import SubjectRef
from ledger_contracts.vocabulary import DecisionReason, SubjectRight
from pydantic import BaseModel, BeforeValidator, Field

from ...app.rights_model import Decision, Hold, TrackedRequest

__all__ = [
    "AccessReportIn",
    "AccessReportOut",
    "Day",
    "DecideIn",
    "DecisionOut",
    "GroundOut",
    "HoldIn",
    "HoldListed",
    "HoldOut",
    "IdPath",
    "LiftIn",
    "RequestIn",
    "RequestOut",
    "Text",
    "decision_out",
    "hold_listed",
    "hold_out",
    "request_out",
]


Text = Annotated[str, Field(min_length=1, max_length=2000)]


def _iso_day_only(value: object) -> object:
    """Pydantic would read 0 as 1 January 1970; a day must be written as YYYY-MM-DD."""
    if not isinstance(value, str | date):
        raise ValueError("a day as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day_only)]
IdPath = Annotated[str, Path(pattern=EVENT_ID_PATTERN)]


class RequestIn(BaseModel):
    subject: SubjectRef
    controller: ChainName = Field(description="The organisation the request is made to (its chain)")
    right: SubjectRight
    received_on: Day | None = Field(None, description="The day it arrived (default: today)")
    details: Text | None = Field(None, description="What was asked, in words; sealed")
    employee: ActorId | None = Field(None, description="The employee who took it, recorded with the client")


class RequestOut(BaseModel):
    request_id: str
    controller: str
    subject: str = Field(description="The subject's pseudonym")
    right: str
    received_on: date
    due_on: date = Field(description="The decision is due by this day (one month after receipt)")
    overdue: bool
    outcome: str | None = None
    decided_at: str | None = None
    entry: int | None = Field(None, description="The request's entry on the controller's chain")


class DecideIn(BaseModel):
    note: Text | None = Field(None, description="The reasoning in words, for the subject; sealed")
    employee: ActorId | None = None


class GroundOut(BaseModel):
    controller: str
    activity: str
    outcome: str
    reason: str
    rule: str | None = Field(None, description="milestone + duration of the retention rule")
    statute: str | None = Field(None, description="The law of the task still carried out")
    source: str | None = Field(None, description="Where the retention rule comes from, as the register says")
    until: date | None = None


class DecisionOut(BaseModel):
    request: RequestOut
    outcome: str
    grounds: list[GroundOut]
    keys_destroyed: int
    entries_sealed: int = Field(description="Entries whose sealed text nobody can read any more")


class HoldIn(BaseModel):
    subject: SubjectRef
    controller: ChainName
    until: Day = Field(description="The day the hold ends")
    reason: Text = Field(description="Why, in words; sealed")
    employee: ActorId | None = None


class HoldOut(BaseModel):
    hold_id: str
    controller: str
    subject: str
    kind: str
    until: date | None
    state: Literal["placed", "lifted"]


class HoldListed(BaseModel):
    hold_id: str
    controller: str
    subject: str = Field(description="The subject's pseudonym")
    kind: str
    until: date | None = Field(description="A legal hold's last day; a restriction stands until lifted")
    placed_at: str
    request_id: str | None = Field(None, description="The request it serves")
    in_force: bool = Field(description="False for a legal hold whose last day has passed")


class LiftIn(BaseModel):
    reason: Text | None = None
    employee: ActorId | None = None


class AccessReportIn(BaseModel):
    subject: SubjectRef
    request_id: Annotated[str, Field(pattern=EVENT_ID_PATTERN)] | None = Field(
        None, description="The open access request it answers"
    )
    controller: ChainName | None = Field(
        None, description="Or: record the access request at this controller now"
    )
    employee: ActorId | None = None


class AccessReportOut(BaseModel):
    request: RequestOut
    complete_up_to: dict[str, int] = Field(description="Per chain: the signed tree size it is complete up to")
    entries: int
    erasures: int
    html: str = Field(description="The report in Dutch, to read and print")
    pdf_base64: str = Field(description="The same report as PDF")
    receipts: dict[str, Any] = Field(
        description="Receipt bundle: verify with `consent-ledger verify-receipt`"
    )


# --- helpers --------------------------------------------------------------------------------


def request_out(r: TrackedRequest) -> RequestOut:
    return RequestOut(
        request_id=r.request_id,
        controller=r.chain,
        subject=r.pseudonym,
        right=r.right,
        received_on=r.received_on,
        due_on=r.due_on,
        overdue=r.overdue(dutch_date(datetime.now(UTC))),
        outcome=r.outcome,
        decided_at=r.decided_at,
        entry=r.received_seq,
    )


def decision_out(d: Decision) -> DecisionOut:
    grounds = [
        GroundOut(
            controller=g.controller,
            activity=g.activity,
            outcome=g.outcome,
            reason=DecisionReason(g.reason).value,
            rule=f"{g.rule.milestone} + {g.rule.duration}" if g.rule and g.rule.milestone else None,
            statute=f"{g.statute.law} art. {g.statute.article}" if g.statute else None,
            source=source,
            until=g.until,
        )
        for g, source in zip(d.grounds, d.sources or [None] * len(d.grounds), strict=True)
    ]
    return DecisionOut(
        request=request_out(d.request),
        outcome=d.outcome,
        grounds=grounds,
        keys_destroyed=d.erased_keys,
        entries_sealed=d.entries_sealed,
    )


def hold_listed(h: Hold, today: date) -> HoldListed:
    return HoldListed(
        hold_id=h.hold_id,
        controller=h.controller,
        subject=h.pseudonym,
        kind=h.kind,
        until=h.until,
        placed_at=h.placed_at,
        request_id=h.request_id,
        in_force=h.stops(today),
    )


def hold_out(h: Hold, state: Literal["placed", "lifted"]) -> HoldOut:
    return HoldOut(
        hold_id=h.hold_id,
        controller=h.controller,
        subject=h.pseudonym,
        kind=h.kind,
        until=h.until,
        state=state,
    )


# --- routes ---------------------------------------------------------------------------------

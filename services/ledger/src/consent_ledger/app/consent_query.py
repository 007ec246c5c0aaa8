"""Use cases of the newsletter system, the website team and the auditor: may we, now or on a
given day; for many subjects at once; and one subject's consent history. Fail closed.

Every question is one controller's (DESIGN.md invariant 12): consent is given to one controller
for one purpose (GDPR art. 6(1)(a), 7), so another organisation's consent never answers it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ledger_contracts.subjects import PSEUDONYM_PATTERN, SubjectRef, is_valid_bsn

from ..core.consent_state import ConsentFact, ConsentStatus, decide_status, state_at
from ..core.errors import InputRefused, Refused
from ..core.pseudonyms import Pseudonymizer

__all__ = [
    "MAX_BULK",
    "ConsentAnswer",
    "ConsentQuery",
    "ConsentReader",
    "HistoryEntry",
    "SubjectRefused",
]

MAX_BULK = 10_000
_PSEUDONYM = re.compile(PSEUDONYM_PATTERN)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One consent-related entry of a subject, as the ledger holds it (without sealed text)."""

    chain: str
    seq: int
    recorded_at: str
    event: dict[str, Any]
    fact: ConsentFact | None  # None for a notice (consent.recipient-notified)
    purpose: str


class ConsentReader(Protocol):
    def consent_fact(
        self, subject: str, purpose: str, controller: str
    ) -> tuple[ConsentFact, str, int] | None: ...
    def grant_candidates(
        self, subjects: list[str], purpose: str, now: datetime, controller: str
    ) -> dict[str, ConsentFact]: ...
    def consent_history(self, subject: str, controller: str) -> list[HistoryEntry]: ...
    def restricted(self, subjects: list[str], controller: str) -> set[str]:
        """Those of `subjects` whose processing is restricted (GDPR art. 18) at `controller`."""
        ...


@dataclass(frozen=True, slots=True)
class ConsentAnswer:
    subject: str
    purpose: str
    controller: str
    as_of: datetime
    status: ConsentStatus
    location: tuple[str, int] | None  # (chain, seq) of the entry it rests on


class SubjectRefused(Refused, ValueError):
    """A subject that is neither a BSN passing the elfproef nor a ledger pseudonym."""

    def __init__(self, index: int | None, value: str) -> None:
        where = f"subjects[{index}]" if index is not None else "subject"
        shown = (
            "a 9-digit number failing the elfproef"
            if len(value) == 9 and value.isdigit()
            else "neither a BSN (9 digits) nor a pseudonym"
        )
        super().__init__(f"{where}: {shown}; expected a BSN or a ledger pseudonym 'p<version>-<64 hex>'")
        self.field = where


class ConsentQuery:
    def __init__(self, reader: ConsentReader, pseudonyms: Pseudonymizer) -> None:
        self._reader = reader
        self._pseudonyms = pseudonyms

    def subject_pseudonym(self, ref: SubjectRef) -> str:
        return ref.pseudonym or self._pseudonyms.pseudonym(ref.bsn or "")

    def pseudonym_of(self, value: str, index: int | None = None) -> str:
        """A BSN (9 digits) or a pseudonym, as sent; raises SubjectRefused."""
        if _PSEUDONYM.fullmatch(value):
            return value
        if len(value) == 9 and value.isdigit() and is_valid_bsn(value):
            return self._pseudonyms.pseudonym(value)
        raise SubjectRefused(index, value)

    def status(
        self, subject: str, purpose: str, controller: str, at: datetime, as_of: datetime | None = None
    ) -> ConsentAnswer:
        """May `controller` process for `purpose`: now (`as_of` None) from the current-state
        projection; on a past or future moment from the subject's whole history at that controller,
        by event time. While the subject's processing is restricted there (GDPR art. 18) the answer
        now is no, with reason `restricted`."""
        answer = self._status(subject, purpose, controller, at, as_of)
        if as_of is None and answer.status.allowed and self._reader.restricted([subject], controller):
            restricted = ConsentStatus(False, "restricted", answer.status.basis)
            return ConsentAnswer(subject, purpose, controller, at, restricted, answer.location)
        return answer

    def _status(
        self, subject: str, purpose: str, controller: str, at: datetime, as_of: datetime | None
    ) -> ConsentAnswer:
        if as_of is not None:
            return self._from_history(subject, purpose, controller, as_of)
        found = self._reader.consent_fact(subject, purpose, controller)
        if found is None:  # the projection has a row for every (subject, purpose, controller) recorded
            return ConsentAnswer(subject, purpose, controller, at, decide_status(None, at), None)
        if found[0].occurred_at > at:  # dated in the future: what stood before it, from the history
            return self._from_history(subject, purpose, controller, at)
        fact, chain, seq = found
        return ConsentAnswer(subject, purpose, controller, at, decide_status(fact, at), (chain, seq))

    def _from_history(self, subject: str, purpose: str, controller: str, at: datetime) -> ConsentAnswer:
        history = self._reader.consent_history(subject, controller)
        entries = [h for h in history if h.fact and h.purpose == purpose]
        status = state_at((h.fact for h in entries if h.fact), at)
        where = next(((h.chain, h.seq) for h in entries if status.basis is h.fact), None)
        return ConsentAnswer(subject, purpose, controller, at, status, where)

    def allowed_now(self, subjects: list[str], purpose: str, controller: str, now: datetime) -> list[bool]:
        """One answer per subject (pseudonyms), in order: the newsletter system's yes/no for one
        controller."""
        if len(subjects) > MAX_BULK:
            raise InputRefused(f"subjects: at most {MAX_BULK} in one request")
        facts = self._reader.grant_candidates(list(set(subjects)), purpose, now, controller)  # absent: no
        answers: dict[str, bool] = {}
        for s in subjects:
            if s not in answers:
                fact = facts.get(s)
                if fact is not None and fact.occurred_at > now:
                    answers[s] = self._from_history(s, purpose, controller, now).status.allowed
                else:
                    answers[s] = decide_status(fact, now).allowed
        yes = [s for s, allowed in answers.items() if allowed]
        for s in self._reader.restricted(yes, controller) if yes else ():
            answers[s] = False
        return [answers[s] for s in subjects]

    def history(self, subject: str, controller: str) -> list[HistoryEntry]:
        """Every consent event and notice about the subject at `controller`, in ledger order (for
        the auditor)."""
        return self._reader.consent_history(subject, controller)

"""Use case: may we, now? Fail closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ledger_contracts.subjects import SubjectRef

from ..core.consent_state import ConsentFact, ConsentStatus, decide_status
from ..core.pseudonyms import Pseudonymizer

__all__ = ["ConsentAnswer", "ConsentQuery"]


class ConsentReader(Protocol):
    def consent_fact(self, subject: str, purpose: str) -> tuple[ConsentFact, str, int] | None: ...


@dataclass(frozen=True, slots=True)
class ConsentAnswer:
    subject: str
    purpose: str
    as_of: datetime
    status: ConsentStatus
    location: tuple[str, int] | None  # (chain, seq) of the entry it rests on


class ConsentQuery:
    def __init__(self, reader: ConsentReader, pseudonyms: Pseudonymizer) -> None:
        self._reader = reader
        self._pseudonyms = pseudonyms

    def subject_pseudonym(self, ref: SubjectRef) -> str:
        return ref.pseudonym or self._pseudonyms.pseudonym(ref.bsn or "")

    def status(self, subject: str, purpose: str, now: datetime) -> ConsentAnswer:
        found = self._reader.consent_fact(subject, purpose)
        fact, location = (found[0], (found[1], found[2])) if found else (None, None)
        return ConsentAnswer(subject, purpose, now, decide_status(fact, now), location)

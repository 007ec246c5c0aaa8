"""The ledger answering the notifier's SubjectDirectory port: a BSN becomes its pseudonym here,
and a subject counts as registered when the ledger holds entries about them."""

from __future__ import annotations

import re

from consent_notifier.app.ports import SubjectLookup
from ledger_contracts.subjects import PSEUDONYM_PATTERN, is_valid_bsn

from ..core.pseudonyms import Pseudonymizer
from .sql_store import SqlLedgerStore

__all__ = ["LedgerSubjectDirectory"]


class LedgerSubjectDirectory:
    def __init__(self, store: SqlLedgerStore, pseudonyms: Pseudonymizer) -> None:
        self.store, self.pseudonyms = store, pseudonyms

    def lookup(self, subject: str) -> SubjectLookup:
        """Raises ValueError naming the rule, never the number."""
        text = subject.replace(" ", "").replace(".", "")
        if re.fullmatch(PSEUDONYM_PATTERN, text):
            pseudonym = text
        elif is_valid_bsn(text):
            pseudonym = self.pseudonyms.pseudonym(text)
        else:
            raise ValueError("not a BSN passing the elfproef, nor a ledger pseudonym")
        return SubjectLookup(pseudonym, self.store.has_subject(pseudonym))

"""The ledger answering the notifier's SubjectDirectory port: a BSN becomes its pseudonym here; a
subject counts as registered with the controller only by an authoritative record
(app.registration), never by the notifier's own records of earlier questions; a restriction of
processing (GDPR art. 18) is reported with it."""

from __future__ import annotations

import re

from consent_ledger.adapters.sql.store import SqlLedgerStore
from consent_ledger.core.pseudonyms import Pseudonymizer
from consent_notifier.app.ports import SubjectLookup
from ledger_contracts.subjects import PSEUDONYM_PATTERN, is_valid_bsn

__all__ = ["LedgerSubjectDirectory"]


class LedgerSubjectDirectory:
    def __init__(self, store: SqlLedgerStore, pseudonyms: Pseudonymizer, controller: str) -> None:
        self.store, self.pseudonyms, self.controller = store, pseudonyms, controller

    def lookup(self, subject: str) -> SubjectLookup:
        """Raises ValueError naming the rule, never the number."""
        text = subject.replace(" ", "").replace(".", "")
        if re.fullmatch(PSEUDONYM_PATTERN, text):
            pseudonym = text
        elif is_valid_bsn(text):
            pseudonym = self.pseudonyms.pseudonym(text)
        else:
            raise ValueError("not a BSN passing the elfproef, nor a ledger pseudonym")
        return SubjectLookup(
            pseudonym,
            self.store.is_registered(pseudonym, self.controller),
            bool(self.store.restricted([pseudonym], self.controller)),
        )

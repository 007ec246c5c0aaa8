"""The data subject reference: a BSN (checked with the elfproef) or a ledger pseudonym.

Both are of class `pseudonym` (ledger_contracts.privacy): the ledger keeps neither on the chain.
"""

from __future__ import annotations

import re
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator
from stdnum.nl import bsn as stdnum_bsn

from .privacy import pseudonym

__all__ = ["PSEUDONYM_PATTERN", "SubjectRef", "is_valid_bsn"]

# "p<key version>-<64 hex>": see docs/ledger-format.md, section "Pseudonyms".
PSEUDONYM_PATTERN = r"^p[1-9][0-9]{0,3}-[0-9a-f]{64}$"
_PSEUDONYM_RE = re.compile(PSEUDONYM_PATTERN)


def is_valid_bsn(value: str) -> bool:
    """Nine digits that pass the elfproef. Never echoes the value in an error."""
    return len(value) == 9 and value.isdigit() and stdnum_bsn.is_valid(value)


class SubjectRef(BaseModel):
    """Exactly one of `bsn` or `pseudonym`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bsn: str | None = pseudonym(None, description="Burgerservicenummer, 9 digits (elfproef)")
    pseudonym: str | None = pseudonym(
        None, pattern=PSEUDONYM_PATTERN, description="A pseudonym the ledger issued"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.bsn is None) == (self.pseudonym is None):
            raise ValueError("subject needs exactly one of 'bsn' or 'pseudonym'")
        if self.bsn is not None and not is_valid_bsn(self.bsn):
            # The message names the rule, never the number.
            raise ValueError("invalid_bsn: not nine digits passing the elfproef")
        return self

    def __repr__(self) -> str:  # never print a BSN
        return "SubjectRef(bsn=<redacted>)" if self.bsn else f"SubjectRef({self.pseudonym})"

    __str__ = __repr__

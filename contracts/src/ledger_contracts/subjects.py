"""The data subject reference: a BSN (checked with the elfproef) or a ledger pseudonym.

Both are of class `pseudonym` (ledger_contracts.privacy): the ledger keeps neither on the chain.
"""

from __future__ import annotations

import re
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

from .privacy import pseudonym

__all__ = ["PSEUDONYM_PATTERN", "SubjectRef", "is_valid_bsn"]

# "p<key version>-<64 hex>": see docs/ledger-format.md, section "Pseudonyms".
PSEUDONYM_PATTERN = r"^p[1-9][0-9]{0,3}-[0-9a-f]{64}$"
_PSEUDONYM_RE = re.compile(PSEUDONYM_PATTERN)


_ELFPROEF_OFFSET = 43 * ord("0")  # the weights 9..2 and -1 sum to 43: the digits' codes, made values


def is_valid_bsn(value: str) -> bool:
    """Nine ASCII digits, not all zero, passing the elfproef: 9·d1 + 8·d2 + … + 2·d8 − d9 is a
    multiple of 11. Inline rather than through python-stdnum, which took 3.4 of a disclosure's
    15 µs of validation; tests/contracts/test_bsn.py holds it equal to python-stdnum for any text."""
    if len(value) != 9 or not value.isascii() or not value.isdigit() or value == "000000000":
        return False
    d = value.encode("ascii")
    weighted = 9 * d[0] + 8 * d[1] + 7 * d[2] + 6 * d[3] + 5 * d[4] + 4 * d[5] + 3 * d[6] + 2 * d[7] - d[8]
    return (weighted - _ELFPROEF_OFFSET) % 11 == 0


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

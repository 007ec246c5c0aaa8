"""Statute references as the register and employees write them ("Wet SUWI art. 54") turned into
the structured reference on the chain ({"law": "wet-suwi", "article": "54"}); anything else is refused."""

from __future__ import annotations

import re

from .events import StatuteRef
from .formats import ARTICLE_PATTERN
from .vocabulary import Law

__all__ = ["LAW_LABELS", "StatuteUnknown", "format_statute", "parse_statute"]

LAW_LABELS: dict[Law, str] = {
    Law.PARTICIPATIEWET: "Participatiewet",
    Law.WET_SUWI: "Wet SUWI",
    Law.WET_GEMEENTELIJKE_SCHULDHULPVERLENING: "Wet gemeentelijke schuldhulpverlening",
    Law.ALGEMENE_WET_BESTUURSRECHT: "Algemene wet bestuursrecht",
    Law.UAVG: "Uitvoeringswet AVG",
    Law.WMO_2015: "Wet maatschappelijke ondersteuning 2015",
    Law.PRIVACYREGLEMENT_WERKKRACHTCENTRALE: "Privacyreglement werkKRACHTcentrale",
    Law.KLACHTENREGELING_NOORDOOSTPOLDER: "Klachtenregeling bestuursdienst gemeente Noordoostpolder",
}
_ARTICLE = re.compile(ARTICLE_PATTERN)
_ARTICLE_WORD = re.compile(r"^(?:art(?:ikel|\.)?)\s*", re.IGNORECASE)


class StatuteUnknown(ValueError):
    """Not a law of the vocabulary with a well-formed article; the message lists the laws."""


def parse_statute(text: str) -> StatuteRef:
    """'Wet SUWI art. 54', 'wet-suwi 54', 'Algemene wet bestuursrecht hoofdstuk 6 en 7'."""
    cleaned = " ".join(text.split())
    for law in sorted(Law, key=lambda x: -len(LAW_LABELS[x])):
        for name in (LAW_LABELS[law], law.value):
            if cleaned.lower() == name.lower() or cleaned.lower().startswith(name.lower() + " "):
                rest = _ARTICLE_WORD.sub("", cleaned[len(name) :].strip())
                if not rest:
                    return StatuteRef(law=law)
                if _ARTICLE.match(rest):
                    return StatuteRef(law=law, article=rest)
                raise StatuteUnknown(
                    f"{LAW_LABELS[law]}: the article is not like '53a', '8 lid 3' or 'hoofdstuk 9'"
                )
    laws = ", ".join(LAW_LABELS[x] for x in Law)
    raise StatuteUnknown(f"not a law the ledger knows; one of: {laws}, followed by the article")


def format_statute(ref: StatuteRef) -> str:
    """The Dutch way to write it: 'Wet SUWI art. 54'."""
    label = LAW_LABELS[ref.law]
    if ref.article is None:
        return label
    return f"{label} {ref.article}" if ref.article.startswith("hoofdstuk") else f"{label} art. {ref.article}"

"""A reference to a law or regulation: shared by events and the processing register."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .formats import Article
from .privacy import clear
from .vocabulary import Law

__all__ = ["StatuteRef"]


class StatuteRef(BaseModel):
    """A law or regulation by code, and the article: a structured reference, not free text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    law: Law = clear()
    article: Article | None = clear(None, description="e.g. '53a', '8 lid 3', 'hoofdstuk 9'")

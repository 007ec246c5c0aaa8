"""Disclosure: who received which personal data, why and on which legal basis."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from .envelope import (
    Envelope,
    StrictModel,
    Text,
)
from .formats import ActorId, Code
from .legal import StatuteRef
from .privacy import clear, personal
from .register import SpecialCategoryGround
from .subjects import SubjectRef
from .vocabulary import (
    Channel,
    DataCategory,
    GdprBasis,
    Purpose,
    RecipientCategory,
)

__all__ = ["DisclosureData", "DisclosureRecorded", "LegalBasis", "Recipient"]


# --- disclosure -----------------------------------------------------------------------------


class Recipient(StrictModel):
    party_id: Code = clear(description="The receiving organisation, e.g. 'uwv'")
    category: RecipientCategory = clear()
    name: Text | None = personal(None, description="Organisation name as the recipient is known; sealed")
    country: str = clear(
        "NL", pattern=r"^[A-Z]{2}$", description="Where the recipient processes the data (ISO 3166-1 alpha-2)"
    )


class LegalBasis(StrictModel):
    gdpr_article_6_1: GdprBasis = clear(description="Letter of GDPR art. 6(1)")
    statute: StatuteRef | None = Field(default=None, description="The law it rests on")
    regulation: StatuteRef | None = Field(
        default=None, description="The controller's own rule it follows, e.g. a privacy regulation"
    )
    special_category_ground: SpecialCategoryGround | None = Field(
        default=None, description="GDPR art. 9(2): the ground under which health data are disclosed"
    )

    @model_validator(mode="after")
    def _statute_when_required(self) -> Self:
        needs_law = {GdprBasis.LEGAL_OBLIGATION, GdprBasis.PUBLIC_TASK}
        if self.gdpr_article_6_1 in needs_law and self.statute is None:
            raise ValueError("a legal obligation or public task (6(1)(c)/(e)) must name its statute")
        return self


class DisclosureData(StrictModel):
    subject: SubjectRef
    recipient: Recipient
    data_categories: list[DataCategory] = clear(min_length=1, max_length=32)
    channel: Channel = clear()
    purpose: Purpose = clear(description="Verwerkingsdoel, from the processing register")
    legal_basis: LegalBasis
    disclosed_by: ActorId = clear(description="Employee id (personal user id, art. 7)")
    details: Annotated[str, Field(min_length=1, max_length=4000)] | None = personal(
        None, description="Free text; sealed under the subject's key"
    )


class DisclosureRecorded(Envelope):
    event_type: Literal["disclosure.recorded"] = clear("disclosure.recorded")
    data: DisclosureData

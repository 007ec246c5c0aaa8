"""The processing register (verwerkingsregister, GDPR art. 30) as data: one document per controller
organisation, one entry per processing activity. The files live in `register/`; the JSON Schema is
published as contracts/schemas/register.schema.json.

Field names follow the Data Privacy Vocabulary where it has a term (each field's `x-dpv`): purpose,
legal basis, personal data, special category, data source, recipient, storage duration, third
country. A register change goes on the controller's chain, and each later entry names the version it
was checked against. Like every free text, the register's names, labels and descriptions are sealed
there (under the controller's key); the codes, bases, categories, recipients and periods the checks
use are in the clear. The file itself is public (art. 30 registers usually are).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .formats import ChainName, Code
from .legal import StatuteRef
from .privacy import clear, personal
from .vocabulary import (
    Art9Ground,
    ConsentPurpose,
    DataCategory,
    GdprBasis,
    Milestone,
    Purpose,
    RecipientCategory,
)

__all__ = [
    "DURATION_PATTERN",
    "Activity",
    "ActivityBasis",
    "ProcessingRegister",
    "RetentionRule",
    "SpecialCategoryGround",
    "parse_duration",
]

# ISO 8601 durations of whole years, months, weeks or days: 'P10Y', 'P5Y', 'P6W'.
DURATION_PATTERN = r"^P[1-9][0-9]{0,2}[YMWD]$"
Label = Annotated[str, Field(min_length=1, max_length=300)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]


def dpv(term: str) -> dict[str, Any]:
    return {"x-dpv": term}


def parse_duration(text: str) -> tuple[int, str]:
    """'P10Y' -> (10, 'Y')."""
    if not re.fullmatch(DURATION_PATTERN, text):
        raise ValueError("not a duration like P10Y, P6M, P6W or P30D")
    return int(text[1:-1]), text[-1]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetentionRule(_Strict):
    """Keep the activity's data for `duration` after `milestone`, then destroy them."""

    milestone: Milestone = clear(description="The event the period runs from")
    duration: str = clear(
        pattern=DURATION_PATTERN,
        description="ISO 8601 duration, e.g. P10Y",
        json_schema_extra=dpv("dpv:StorageDuration"),
    )
    label: Label = personal(description="The rule as the source document words it")
    source: Label | None = personal(None, description="Where the rule comes from, e.g. a selection list")


class ActivityBasis(_Strict):
    gdpr_article_6_1: list[GdprBasis] = clear(
        min_length=1, description="Letters of GDPR art. 6(1)", json_schema_extra=dpv("dpv:hasLegalBasis")
    )
    statutes: list[StatuteRef] = Field(default_factory=list, description="The laws the activity rests on")


class SpecialCategoryGround(_Strict):
    gdpr_article_9_2: Art9Ground = clear(description="Letter of GDPR art. 9(2)")
    statute: StatuteRef | None = Field(default=None, description="The law that gives the ground, if any")


class Activity(_Strict):
    id: Code = clear(description="The id events name as processing_activity")
    name: Label = personal(description="Verwerking, as the register names it")
    purpose: Purpose = clear(json_schema_extra=dpv("dpv:hasPurpose"))
    description: Annotated[str, Field(max_length=2000)] | None = personal(None, description="Verwerkingsdoel")
    legal_basis: ActivityBasis
    special_category_ground: SpecialCategoryGround | None = Field(
        default=None, description="Needed when special_categories holds a GDPR art. 9 category"
    )
    data_subjects: list[Label] = personal(
        default_factory=list,
        description="Categorieen van betrokkenen",
        json_schema_extra=dpv("dpv:hasDataSubject"),
    )
    data_categories: list[DataCategory] = clear(
        min_length=1,
        description="Categorieen van persoonsgegevens",
        json_schema_extra=dpv("dpv:hasPersonalData"),
    )
    special_categories: list[DataCategory] = clear(
        default_factory=list,
        description="Bijzondere persoonsgegevens and the BSN (UAVG art. 46)",
        json_schema_extra=dpv("dpv:SpecialCategoryPersonalData"),
    )
    consent_purposes: list[ConsentPurpose] = clear(
        default_factory=list, description="Consents asked under this activity (photo forms, newsletter)"
    )
    retention: list[RetentionRule] = Field(
        default_factory=list, description="Bewaartermijnen; none means kept until a rule is added"
    )
    sources: list[Label] = personal(
        default_factory=list, description="Herkomst gegevens", json_schema_extra=dpv("dpv:hasDataSource")
    )
    recipient_categories: list[RecipientCategory] = clear(
        default_factory=list,
        description="Categorieen van ontvangers",
        json_schema_extra=dpv("dpv:hasRecipient"),
    )
    third_country_transfer: bool = clear(
        False, description="Doorgifte buiten de EER", json_schema_extra=dpv("dpv:hasThirdCountry")
    )
    allowed_countries: list[Country] = clear(
        default_factory=list, description="Countries outside the EEA a transfer may go to, when allowed"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        loose = [c.value for c in self.special_categories if c not in self.data_categories]
        if loose:
            raise ValueError(f"special categories not among the data categories: {', '.join(loose)}")
        needs_ground = [c.value for c in self.special_categories if c.article_9]
        if needs_ground and self.special_category_ground is None:
            raise ValueError(
                f"{', '.join(needs_ground)}: a GDPR art. 9 category needs special_category_ground (art. 9(2))"
            )
        if self.allowed_countries and not self.third_country_transfer:
            raise ValueError("allowed_countries given while third_country_transfer is false")
        return self


class ProcessingRegister(_Strict):
    controller: ChainName = clear(description="The controller organisation; its chain")
    name: Label = personal(description="The organisation's name")
    source: Label = personal(description="The document this register was taken from")
    valid_from: date = clear(description="The day this version was adopted")
    activities: list[Activity] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        seen: set[str] = set()
        twice = sorted({a.id for a in self.activities if a.id in seen or seen.add(a.id)})  # type: ignore[func-returns-value]
        if twice:
            raise ValueError(f"activity ids used twice: {', '.join(twice)}")
        return self

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

"""An event against the processing register in force (DESIGN.md invariant 11): which rules of the
register it breaks. Pure: the appender writes the verdict on the entry and counts it."""

from __future__ import annotations

import hashlib
from typing import Any

from ledger_contracts.register import ProcessingRegister
from ledger_contracts.vocabulary import EEA_COUNTRIES, DataCategory, Violation

from ..core.canonical import canonical_bytes

__all__ = ["UNCHECKED_TYPES", "check_event", "register_version"]

# The ledger's own records and the registry of known persons are not processing of a subject's data
# under an activity of the register.
UNCHECKED_TYPES = frozenset(
    {
        "register.published",
        "subject.erased",
        "dead-letter.dropped",
        "subject.request-received",
        "subject.request-decided",
        "subject.hold-changed",
    }
)


def register_version(document: dict[str, Any]) -> str:
    """SHA-256 of the register's RFC 8785 bytes (its JSON form): the version entries name."""
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def check_event(
    register: ProcessingRegister, event_type: str, processing_activity: str, data: dict[str, Any]
) -> list[str]:
    """The violations of one event (its document as the entry holds it, `data` in JSON form), sorted."""
    if event_type in UNCHECKED_TYPES or event_type.startswith("registry."):
        return []
    activity = register.activity(processing_activity)
    if activity is None:
        return [Violation.UNKNOWN_ACTIVITY.value]
    found: set[Violation] = set()
    purpose = data.get("purpose")
    if event_type == "disclosure.recorded":
        if purpose != activity.purpose.value:
            found.add(Violation.PURPOSE_NOT_IN_REGISTER)
        recipient = data.get("recipient") or {}
        if recipient.get("category") not in {c.value for c in activity.recipient_categories}:
            found.add(Violation.RECIPIENT_CATEGORY_NOT_LISTED)
        country = recipient.get("country", "NL")
        if country not in EEA_COUNTRIES and (
            not activity.third_country_transfer or country not in activity.allowed_countries
        ):
            found.add(Violation.THIRD_COUNTRY_TRANSFER)
        basis = data.get("legal_basis") or {}
        if basis.get("gdpr_article_6_1") not in {b.value for b in activity.legal_basis.gdpr_article_6_1}:
            found.add(Violation.BASIS_DIFFERS)
        statute = basis.get("statute")
        if statute and statute.get("law") not in {s.law.value for s in activity.legal_basis.statutes}:
            found.add(Violation.STATUTE_DIFFERS)
    elif event_type.startswith("consent.") and purpose not in {p.value for p in activity.consent_purposes}:
        found.add(Violation.PURPOSE_NOT_IN_REGISTER)
    categories = [_category(c) for c in data.get("data_categories") or []]
    if categories:
        if any(c not in activity.data_categories for c in categories):
            found.add(Violation.DATA_CATEGORY_NOT_LISTED)
        if any(c.article_9 for c in categories) and (
            activity.special_category_ground is None
            or any(c.article_9 and c not in activity.special_categories for c in categories)
        ):
            found.add(Violation.SPECIAL_CATEGORY_WITHOUT_GROUND)
    return sorted(v.value for v in found)


def _category(value: Any) -> DataCategory:
    """Disclosures hold {"category": c, "special": b}; phone requests the code itself."""
    return DataCategory(value["category"] if isinstance(value, dict) else value)

"""The page's Dutch: words for codes, times in Dutch local time, numbers as dialled, and an error
message beside each field. The use cases refuse in English with the field named; the page says
in Dutch what to do about that field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ledger_contracts.dutch_time import AMSTERDAM
from ledger_contracts.vocabulary import Art9Ground, DataCategory, GdprBasis, RecipientCategory
from ledger_contracts.vocabulary_nl import DATA_CATEGORIES, RECIPIENT_CATEGORIES

from ...core.phones import as_dialled
from ...core.reasons import explain

__all__ = ["FIELD_ERRORS", "TEMPLATE_GLOBALS", "field_error", "local_time"]

TZ: Any = AMSTERDAM


def local_time(moment: datetime | None, seconds: bool = False) -> str:
    """'25-11-2026 14:05' in Dutch local time (CET/CEST), whatever zone the moment was stored in."""
    if moment is None:
        return "–"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    shown = moment.astimezone(TZ).strftime("%d-%m-%Y %H:%M:%S" if seconds else "%d-%m-%Y %H:%M")
    return shown if TZ is not UTC else shown + " UTC"


def category_nl(code: str) -> str:
    return DATA_CATEGORIES.get(code, code)


def short_pseudonym(pseudonym: str) -> str:
    """Enough to tell residents apart on a list, not to look anyone up: 'p1-3fa9c2e1'."""
    return pseudonym[:11]


GDPR_BASIS_NL = {
    GdprBasis.CONSENT: "a – toestemming",
    GdprBasis.CONTRACT: "b – overeenkomst",
    GdprBasis.LEGAL_OBLIGATION: "c – wettelijke verplichting",
    GdprBasis.VITAL_INTERESTS: "d – vitaal belang",
    GdprBasis.PUBLIC_TASK: "e – taak van algemeen belang",
    GdprBasis.LEGITIMATE_INTEREST: "f – gerechtvaardigd belang",
}
ART9_NL = {
    Art9Ground.EXPLICIT_CONSENT: "a – uitdrukkelijke toestemming",
    Art9Ground.EMPLOYMENT_AND_SOCIAL_SECURITY: "b – arbeidsrecht en sociale zekerheid",
    Art9Ground.VITAL_INTERESTS: "c – vitaal belang",
}
NUMBER_STATE_NL = {
    "valid": "geldig",
    "revoked": "ingetrokken",
    "expired": "verlopen",
    "not-yet": "nog niet geldig",
    "person-ended": "niet geldig: persoon beëindigd",
}

BASIS_NL = {"policy": "regels", "callback": "terugbelcontrole", "management-override": "directiebesluit"}

TEMPLATE_GLOBALS: dict[str, Any] = {
    "explain": explain,
    "local_time": local_time,
    "dialled": as_dialled,
    "category_nl": category_nl,
    "recipient_nl": lambda code: RECIPIENT_CATEGORIES.get(code, code),
    "short_pseudonym": short_pseudonym,
    "verdict_nl": {"allow": "Toegestaan", "deny": "Geweigerd", "call-back": "Terugbellen"},
    "basis_nl": BASIS_NL,
    "gdpr_bases": GDPR_BASIS_NL,
    "art9_grounds": ART9_NL,
    "number_state_nl": NUMBER_STATE_NL,
    "categories": [(c.value, DATA_CATEGORIES.get(c.value, c.value)) for c in DataCategory],
    "recipient_categories": [(c.value, RECIPIENT_CATEGORIES.get(c, c)) for c in RecipientCategory],
}

_PHONE = "Dit is geen geldig telefoonnummer. Typ het zoals u het ziet, bijvoorbeeld 0527 123 456."
FIELD_ERRORS = {
    "subject": "Vul een BSN in: 9 cijfers die de elfproef doorstaan.",
    "party_id": "Kies de partij van de beller.",
    "person_id": "Kies een persoon die bij deze partij bekend is.",
    "topic": "Kies een onderwerp.",
    "data_categories": "Kruis aan welke gegevens de beller vraagt.",
    "calling_number": _PHONE,
    "given_number": _PHONE,
    "number": _PHONE,
    "caller_name": "Gebruik voor de naam hoogstens 200 gewone tekens.",
    "request_id": "Deze vraag is al eerder verstuurd met andere inhoud. Open de werklijst opnieuw.",
    "note": "Geef een schriftelijke motivering van minstens 10 tekens.",
    "recipient_category": "Kies de soort ontvanger.",
    "gdpr_basis": "Kies de grondslag uit AVG art. 6 lid 1.",
    "gdpr_article_9_2": "Het gaat om gezondheidsgegevens: kies de grond uit AVG art. 9 lid 2.",
    "art9_statute": "Noem een wet die het register kent, bijvoorbeeld 'Wet SUWI art. 54'.",
    "display_name": "Vul de naam in (hoogstens 200 tekens).",
    "valid_until": "De einddatum moet na de verificatie liggen.",
    "verified_at": "De verificatie kan niet in de toekomst liggen.",
}


def field_error(field: str | None) -> str:
    return FIELD_ERRORS.get(field or "", "Controleer de invoer; er is niets veranderd.")

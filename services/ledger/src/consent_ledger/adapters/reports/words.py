"""Dutch words for the ledger's codes, as a resident reads them in the access report. The codes
are the contracts' (ledger_contracts.vocabulary); a code without a word here is shown as it is."""

from __future__ import annotations

from typing import Any

from ledger_contracts.register import parse_duration
from ledger_contracts.vocabulary_nl import BASES, DATA_CATEGORIES, RECIPIENT_CATEGORIES

__all__ = ["nl"]

EVENT_TYPES = {
    "disclosure.recorded": "Verstrekking aan een ontvanger",
    "consent.given": "Toestemming gegeven",
    "consent.refused": "Toestemming geweigerd",
    "consent.withdrawn": "Toestemming ingetrokken",
    "consent.expired": "Toestemming verlopen",
    "consent.revoked": "Toestemming herroepen",
    "consent.renewed": "Toestemming vernieuwd",
    "consent.recipient-notified": "Ontvanger geïnformeerd over het einde van de toestemming",
    "phone.disclosure-requested": "Telefonisch verzoek om inlichtingen over u",
    "phone.disclosure-decided": "Besluit over telefonische inlichtingen",
    "phone.callback-confirmed": "Terugbelcontrole geslaagd",
    "phone.callback-failed": "Terugbelcontrole niet geslaagd",
    "case.started": "Traject gestart",
    "case.ended": "Traject beëindigd",
    "case.refused": "Begeleiding geweigerd",
    "case.aborted": "Ondersteuning afgebroken",
    "complaint.closed": "Klacht afgesloten",
    "contact.recorded": "Contact met u",
    "subject.request-received": "Uw verzoek ontvangen",
    "subject.request-decided": "Besluit op uw verzoek",
    "subject.hold-changed": "Bewaarplicht of beperking",
    "subject.erased": "Gegevens vernietigd",
    "subject.corrected": "Gegevens gecorrigeerd",
}
PURPOSES = {
    "participatie": "ondersteuning op weg naar werk en participatie",
    "loonkostensubsidie": "loonkostensubsidie voor uw werkgever",
    "zelfstandig-werken": "jobcoaching: zelfstandig uw werk kunnen doen",
    "werkgeversdienstverlening": "werkgevers en werkzoekenden bij elkaar brengen",
    "matching": "vraag en aanbod op de arbeidsmarkt koppelen",
    "nieuwsbrief": "nieuwsbrief",
    "publiciteit": "website en sociale media",
    "klachtafhandeling": "afhandeling van een klacht",
    "telefonische-inlichtingen": "telefonische inlichtingen (privacyreglement art. 8 lid 3)",
    "photo-website": "uw foto op de website",
    "photo-social-media": "uw foto op sociale media",
    "photo-newsletter": "uw foto in de nieuwsbrief",
    "newsletter-subscription": "de nieuwsbrief ontvangen",
}
LAWS = {
    "participatiewet": "Participatiewet",
    "wet-suwi": "Wet SUWI",
    "wet-gemeentelijke-schuldhulpverlening": "Wet gemeentelijke schuldhulpverlening",
    "algemene-wet-bestuursrecht": "Algemene wet bestuursrecht",
    "uavg": "Uitvoeringswet AVG",
    "wmo-2015": "Wmo 2015",
    "privacyreglement-werkkrachtcentrale": "Privacyreglement werkKRACHTcentrale",
    "klachtenregeling-noordoostpolder": "Klachtenregeling gemeente Noordoostpolder",
}
MILESTONES = {
    "case-ended": "na het einde van het traject",
    "case-refused": "na het weigeren van begeleiding",
    "case-aborted": "na het afbreken van de ondersteuning",
    "last-contact": "na het laatste contact met u",
    "complaint-closed": "na het afhandelen van de klacht",
    "complaint-closed-financial": "na het afhandelen van de klacht (met financiële gevolgen)",
    "complaint-withdrawn": "na het intrekken of afbreken van de klacht",
    "consent-ended": "na het einde van uw toestemming",
}
UNITS = {"Y": ("jaar", "jaar"), "M": ("maand", "maanden"), "W": ("week", "weken"), "D": ("dag", "dagen")}
WORDS = {
    # decisions, outcomes, rights, channels
    "allow": "toegestaan",
    "deny": "geweigerd",
    "call-back": "terugbellen naar een geverifieerd nummer",
    "granted": "toegewezen",
    "partly-granted": "deels toegewezen",
    "refused": "afgewezen",
    "access": "inzage",
    "correction": "correctie",
    "erasure": "verwijdering",
    "restriction": "beperking van de verwerking",
    "erased": "vernietigd",
    "kept": "bewaard",
    "restricted": "beperkt",
    "corrected": "gecorrigeerd",
    "reported": "verstrekt",
    "retention": "bewaartermijn verstreken",
    "request": "op uw verzoek",
    "legal-hold": "bewaarplicht voor een juridische procedure",
    "placed": "ingesteld",
    "lifted": "opgeheven",
    "post": "per post",
    "email": "per e-mail",
    "phone": "telefonisch",
    "portal": "via een portaal",
    "suwinet": "via Suwinet",
    "in-person": "persoonlijk",
    "file-transfer": "via bestandsoverdracht",
    "paper-form": "op een papieren formulier",
    "web": "via de website",
    "verbal": "mondeling",
    "self": "uzelf",
    "parent": "ouder",
    "guardian": "voogd",
    "subject": "uzelf",
    "controller": "de organisatie",
}
REASONS = {
    "consent-basis": "verwerkt op grond van uw toestemming: vernietigd (AVG art. 17 lid 1 sub b)",
    "legitimate-interest": (
        "verwerkt op grond van gerechtvaardigd belang: vernietigd (AVG art. 17 lid 1 sub c)"
    ),
    "period-ended": "de bewaartermijn was verstreken: vernietigd",
    "retention-runs": "een wettelijke bewaartermijn loopt nog (AVG art. 17 lid 3 sub b)",
    "processing-ongoing": "de wettelijke taak wordt nog uitgevoerd (AVG art. 17 lid 3 sub b)",
    "legal-hold": "nodig voor een juridische procedure (AVG art. 17 lid 3 sub e)",
    "unknown-activity": "niet in het verwerkingsregister; de privacyfunctionaris beslist",
    "accountability": (
        "de registratie van uw verzoek en het besluit bewaren wij ter verantwoording (AVG art. 5 lid 2)"
    ),
    "restricted": "bewaard, niet gebruikt (AVG art. 18)",
    "corrected": "gecorrigeerd (AVG art. 16)",
    "reported": "inzage verstrekt (AVG art. 15)",
}
VIOLATIONS = {
    "unknown-activity": "niet in het verwerkingsregister",
    "purpose-not-in-register": "ander doel dan in het register",
    "recipient-category-not-listed": "ontvanger niet in het register",
    "data-category-not-listed": "gegevens niet in het register",
    "special-category-without-ground": "bijzonder persoonsgegeven zonder grondslag",
    "third-country-transfer": "ontvanger buiten de EER",
    "basis-differs": "andere grondslag dan in het register",
    "statute-differs": "andere wet dan in het register",
}
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def duration(text: str | None) -> str:
    if not text:
        return ""
    n, unit = parse_duration(text)
    one, many = UNITS[unit]
    return f"{n} {one if n == 1 else many}"


def day(value: Any) -> str:
    """'2 maart 2026' from a date, datetime or ISO text."""
    if value is None or value == "":
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    y, m, d = int(text[:4]), int(text[5:7]), int(text[8:10])
    return f"{d} {MONTHS[m - 1]} {y}"


def statute(ref: Any) -> str:
    if not ref:
        return ""
    law = ref.get("law") if isinstance(ref, dict) else ref.law
    article = ref.get("article") if isinstance(ref, dict) else ref.article
    name = LAWS.get(str(law), str(law))
    return f"{name}, artikel {article}" if article else name


def nl(table: dict[str, str], code: Any) -> str:
    return table.get(str(code), str(code))


FILTERS = {
    "event_nl": lambda c: nl(EVENT_TYPES, c),
    "category_nl": lambda c: nl(DATA_CATEGORIES, c.get("category") if isinstance(c, dict) else c),
    "recipient_nl": lambda c: nl(RECIPIENT_CATEGORIES, c),
    "basis_nl": lambda c: nl(BASES, c),
    "purpose_nl": lambda c: nl(PURPOSES, c),
    "milestone_nl": lambda c: nl(MILESTONES, c),
    "word_nl": lambda c: nl(WORDS, c),
    "reason_nl": lambda c: nl(REASONS, c),
    "violation_nl": lambda c: nl(VIOLATIONS, c),
    "duration_nl": duration,
    "day_nl": day,
    "statute_nl": statute,
}

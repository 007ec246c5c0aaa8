"""Controlled vocabulary drawn from the processing register and privacy statements (seeds 000-004).

Codes are stable ASCII identifiers; the Dutch label is what the register itself says.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = [
    "Art9Ground",
    "CONTACT_EVENT_TYPES",
    "Channel",
    "DecisionReason",
    "DropReason",
    "ConsentMethod",
    "ConsentPurpose",
    "DataCategory",
    "ExpressedBy",
    "EEA_COUNTRIES",
    "GdprBasis",
    "Law",
    "Milestone",
    "NumberCheck",
    "Purpose",
    "RecipientCategory",
    "SPECIAL_CATEGORIES",
    "SubjectRight",
    "Violation",
]


class RecipientCategory(StrEnum):
    """Categorieen van ontvangers, as the processing register names them."""

    UWV = "uwv"  # uitvoeringsorgaan werknemersverzekeringen
    UWV_WERKBEDRIJF = "uwv-werkbedrijf"
    SVB = "svb"  # Sociale Verzekeringsbank
    GEMEENTE = "gemeente"  # e.g. gemeente Noordoostpolder
    SOCIALE_DIENST = "sociale-dienst"
    SCHULDHULPVERLENING = "schuldhulpverlening"  # Bureau Schuldhulpverlening
    GEMEENTESECRETARIE = "gemeentesecretarie"  # afd. Algemeen Bestuurlijke en Juridische Zaken
    WERKGEVER = "werkgever"
    JOBCOACH = "jobcoach"  # jobcoach(organisatie), loonwaardespecialist
    TRAJECTAANBIEDER = "trajectaanbieder"  # aanbieders van re-integratietrajecten
    SCHOOL = "school"  # scholen, opleidingsinstituten
    BEWINDVOERDER = "bewindvoerder"
    INTERNE_BEHANDELAAR = "interne-behandelaar"
    LEVERANCIER = "leverancier"  # verwerker, e.g. the newsletter supplier or matchcare
    OPENBAAR = "openbaar"  # website and social media: everyone


class DataCategory(StrEnum):
    """Categorieen van persoonsgegevens in the processing register."""

    NAW = "naw"  # naam, adres, woonplaats
    GEBOORTEDATUM = "geboortedatum"
    GESLACHT = "geslacht"
    BURGERLIJKE_STAAT = "burgerlijke-staat"
    CONTACTGEGEVENS = "contactgegevens"
    REKENINGNUMMER = "rekeningnummer"
    PERSOONLIJKE_SITUATIE = "persoonlijke-situatie"  # invloed op begeleiding naar werk
    ARBEIDSGEGEVENS = "arbeidsgegevens"
    LOONSTROKEN = "loonstroken"
    LOONWAARDE = "loonwaarde"  # uitkomst loonwaardemeting
    UITKERING = "uitkering"
    FOTO = "foto"
    BSN = "bsn"  # national identification number: UAVG art. 46
    GEZONDHEID = "gezondheid"  # fysieke en/of mentale beperkingen: GDPR art. 9

    @property
    def special(self) -> bool:
        """True for special categories (GDPR art. 9) and the national id number (UAVG art. 46)."""
        return self in SPECIAL_CATEGORIES

    @property
    def article_9(self) -> bool:
        """True for the special categories of GDPR art. 9(1), which need a ground of art. 9(2)."""
        return self in ARTICLE_9_CATEGORIES


SPECIAL_CATEGORIES = frozenset({DataCategory.GEZONDHEID, DataCategory.BSN})
ARTICLE_9_CATEGORIES = frozenset({DataCategory.GEZONDHEID})


class Art9Ground(StrEnum):
    """GDPR art. 9(2), by letter: the exception that allows processing a special category."""

    EXPLICIT_CONSENT = "a"
    EMPLOYMENT_AND_SOCIAL_SECURITY = "b"  # arbeidsrecht, sociale zekerheid en sociale bescherming
    VITAL_INTERESTS = "c"
    NOT_FOR_PROFIT_BODY = "d"
    MADE_PUBLIC = "e"
    LEGAL_CLAIMS = "f"
    SUBSTANTIAL_PUBLIC_INTEREST = "g"
    HEALTH_OR_SOCIAL_CARE = "h"
    PUBLIC_HEALTH = "i"
    ARCHIVING_RESEARCH_STATISTICS = "j"


# The European Economic Area (EU member states, Iceland, Liechtenstein, Norway), ISO 3166-1 alpha-2.
_EEA = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK"
EEA_COUNTRIES = frozenset(_EEA.split())


class Milestone(StrEnum):
    """The event a retention period runs from (seeds 000, 001, 003). A period that has started is
    stopped again when the subject's case under the activity starts anew."""

    CASE_ENDED = "case-ended"  # begeleiding beeindigd (Arnhem: 10 jaar)
    CASE_REFUSED = "case-refused"  # begeleiding geweigerd (Arnhem: 5 jaar)
    CASE_ABORTED = "case-aborted"  # ondersteuning afgebroken (Arnhem: 6 weken)
    LAST_CONTACT = "last-contact"  # geen contact met de geregistreerde (werkKRACHTcentrale art. 10)
    COMPLAINT_CLOSED = "complaint-closed"  # klacht afgehandeld (5 jaar)
    COMPLAINT_CLOSED_FINANCIAL = "complaint-closed-financial"  # met financiele consequenties (7 jaar)
    COMPLAINT_WITHDRAWN = "complaint-withdrawn"  # ingetrokken, afgebroken, niet ontvankelijk (1 jaar)
    CONSENT_ENDED = "consent-ended"  # toestemming ingetrokken, herroepen of verlopen


# Contact between the data subject and the controller (privacy regulation art. 10, "contact tussen
# de geregistreerde en de werkKRACHTcentrale"): the subject was seen, heard or written to or by
# (contact.recorded), their case changed, or they expressed, renewed or withdrew a consent
# themselves. This set is the one definition: whether an event is contact depends on its type alone,
# never on the batch it arrived in. Not contact: a disclosure about them to a third party, a phone
# call by a third party about them (the notifier's decisions), anything the ledger does itself, and
# the subject's own request about their data (subject.request-received): asking for access or
# erasure must not keep the data longer (GDPR art. 12(2), 17; docs/privacy.md).
CONTACT_EVENT_TYPES = frozenset(
    {
        "contact.recorded",
        "case.started",
        "case.ended",
        "case.refused",
        "case.aborted",
        "complaint.closed",
        "consent.given",
        "consent.refused",
        "consent.withdrawn",
        "consent.renewed",
    }
)


class Violation(StrEnum):
    """Why an entry does not match the processing register in force (DESIGN.md invariant 11). The
    entry is appended all the same, with the violations on it: refusing would hide a breach."""

    UNKNOWN_ACTIVITY = "unknown-activity"  # the register has no such processing activity
    PURPOSE_NOT_IN_REGISTER = "purpose-not-in-register"  # another purpose than the activity's
    RECIPIENT_CATEGORY_NOT_LISTED = "recipient-category-not-listed"
    DATA_CATEGORY_NOT_LISTED = "data-category-not-listed"
    SPECIAL_CATEGORY_WITHOUT_GROUND = "special-category-without-ground"  # GDPR art. 9 without 9(2)
    THIRD_COUNTRY_TRANSFER = "third-country-transfer"  # a recipient outside the EEA, not allowed
    BASIS_DIFFERS = "basis-differs"  # an art. 6(1) letter the register does not name
    STATUTE_DIFFERS = "statute-differs"  # a law the register does not name for the activity


class Channel(StrEnum):
    POST = "post"
    EMAIL = "email"
    PHONE = "phone"
    PORTAL = "portal"
    SUWINET = "suwinet"
    IN_PERSON = "in-person"
    FILE_TRANSFER = "file-transfer"


class GdprBasis(StrEnum):
    """GDPR art. 6(1), by letter."""

    CONSENT = "a"
    CONTRACT = "b"
    LEGAL_OBLIGATION = "c"
    VITAL_INTERESTS = "d"
    PUBLIC_TASK = "e"
    LEGITIMATE_INTEREST = "f"


class ConsentPurpose(StrEnum):
    """Purposes that need consent: photo permission forms and the newsletter (seed 000)."""

    PHOTO_WEBSITE = "photo-website"
    PHOTO_SOCIAL_MEDIA = "photo-social-media"
    PHOTO_NEWSLETTER = "photo-newsletter"
    NEWSLETTER = "newsletter-subscription"


class ExpressedBy(StrEnum):
    """Who expressed the consent: the person or a legal representative."""

    SELF = "self"
    PARENT = "parent"
    GUARDIAN = "guardian"
    BEWINDVOERDER = "bewindvoerder"


class ConsentMethod(StrEnum):
    PAPER_FORM = "paper-form"
    WEB = "web"
    VERBAL = "verbal"


class Purpose(StrEnum):
    """Verwerkingsdoelen of disclosures, from the processing register (seed 000) and the privacy
    regulation (seed 003, art. 8 lid 3). The register itself becomes data in a later version."""

    PARTICIPATIE = "participatie"  # ondersteuning op weg naar maximale participatie, arbeidsmarktpositie
    LOONKOSTENSUBSIDIE = "loonkostensubsidie"  # tijdelijke compensatie bij verminderde loonwaarde
    ZELFSTANDIG_WERKEN = "zelfstandig-werken"  # jobcoaching: zelfstandig werk kunnen uitvoeren
    WERKGEVERSDIENSTVERLENING = "werkgeversdienstverlening"  # werkgevers en werkzoekenden samenbrengen
    MATCHING = "matching"  # koppelen van vraag en aanbod op de arbeidsmarkt
    NIEUWSBRIEF = "nieuwsbrief"  # kandidaten werk laten vinden, vacatures vervullen
    PUBLICITEIT = "publiciteit"  # naamsbekendheid, website en social media
    KLACHTAFHANDELING = "klachtafhandeling"  # vaststellen of een klacht gegrond is
    TELEFONISCHE_INLICHTINGEN = "telefonische-inlichtingen"  # privacyreglement art. 8 lid 3


class Law(StrEnum):
    """Laws and regulations a legal basis names, by a stable code; the comment is the BWB id on
    wetten.overheid.nl where there is one."""

    PARTICIPATIEWET = "participatiewet"  # BWBR0015703
    WET_SUWI = "wet-suwi"  # BWBR0013060
    WET_GEMEENTELIJKE_SCHULDHULPVERLENING = "wet-gemeentelijke-schuldhulpverlening"  # BWBR0031496
    ALGEMENE_WET_BESTUURSRECHT = "algemene-wet-bestuursrecht"  # BWBR0005537
    UAVG = "uavg"  # BWBR0040940
    WMO_2015 = "wmo-2015"  # BWBR0035362
    PRIVACYREGLEMENT_WERKKRACHTCENTRALE = "privacyreglement-werkkrachtcentrale"  # seed 003
    KLACHTENREGELING_NOORDOOSTPOLDER = "klachtenregeling-noordoostpolder"  # seed 000, 2016


class NumberCheck(StrEnum):
    """How a telephone number compared with the registry; the number itself never goes on the chain."""

    VERIFIED = "verified"  # equals a number the registry verified for this known person, in force
    NOT_VERIFIED = "not-verified"  # given, but not a verified number of this person
    WITHHELD = "withheld"  # no number shown or given


class SubjectRight(StrEnum):
    """The rights of a data subject the ledger takes requests for (GDPR art. 15-18)."""

    ACCESS = "access"  # art. 15, privacyreglement art. 11: inzage en afschrift
    CORRECTION = "correction"  # art. 16, privacyreglement art. 12: correctie, aanvulling
    ERASURE = "erasure"  # art. 17, privacyreglement art. 12: verwijdering
    RESTRICTION = "restriction"  # art. 18: beperking van de verwerking


class DecisionReason(StrEnum):
    """Why a request was carried out or refused, per activity (the decision's grounds)."""

    CONSENT_BASIS = "consent-basis"  # art. 17(1)(b): processed on consent, erased on request
    LEGITIMATE_INTEREST = "legitimate-interest"  # art. 17(1)(c): objection to 6(1)(f), erased
    PERIOD_ENDED = "period-ended"  # the retention period had ended: erased
    RETENTION_RUNS = "retention-runs"  # art. 17(3)(b): a legal obligation keeps the data until a date
    PROCESSING_ONGOING = "processing-ongoing"  # art. 17(3)(b): the task is still being carried out
    LEGAL_HOLD = "legal-hold"  # art. 17(3)(e): needed for a legal claim
    UNKNOWN_ACTIVITY = "unknown-activity"  # the register in force does not describe it: decided by hand
    ACCOUNTABILITY = "accountability"  # art. 5(2): the record of requests and decisions is kept
    RESTRICTED = "restricted"  # art. 18: kept, not used
    CORRECTED = "corrected"  # art. 16
    REPORTED = "reported"  # art. 15: the access report was handed over


DropReason = Literal["duplicate", "test-event", "replaced-by-fix", "unrecoverable", "producer-resends"]
"""Why an operator drops a dead letter without replaying it."""

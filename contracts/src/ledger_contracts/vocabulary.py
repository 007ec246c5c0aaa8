"""Controlled vocabulary drawn from the processing register and privacy statements (seeds 000-004).

Codes are stable ASCII identifiers; the Dutch label is what the register itself says.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Channel",
    "ConsentMethod",
    "ConsentPurpose",
    "DataCategory",
    "ExpressedBy",
    "GdprBasis",
    "Law",
    "NumberCheck",
    "Purpose",
    "RecipientCategory",
    "SPECIAL_CATEGORIES",
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


SPECIAL_CATEGORIES = frozenset({DataCategory.GEZONDHEID, DataCategory.BSN})


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

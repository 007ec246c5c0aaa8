"""Realistic events drawn from the seeds' scenarios (WerkCorporatie, gemeente Noordoostpolder), and
each person's registration as a candidate at the werkKRACHTcentrale (seed 003, art. 2 and 3): the
authoritative record its phone rule (art. 8 lid 3) asks before anything is told about them."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, datetime, timedelta

from ledger_contracts import ConsentGiven, ConsentWithdrawn, DisclosureRecorded, Event
from ledger_contracts.events import (
    CaseData,
    CaseStarted,
    ConsentChangeData,
    ConsentData,
    DisclosureData,
    LegalBasis,
    Recipient,
)
from ledger_contracts.statutes import parse_statute
from ledger_contracts.subjects import SubjectRef
from ledger_contracts.vocabulary import (
    Channel,
    ConsentMethod,
    ConsentPurpose,
    DataCategory,
    ExpressedBy,
    GdprBasis,
    Purpose,
    RecipientCategory,
)

__all__ = ["demo_events", "make_bsn"]

CONTROLLER = "werkcorporatie"
PHONE_CONTROLLER = "werkkrachtcentrale"  # whose phone rule the notifier applies (its default controller)
PRODUCER = "demo.trajectadministratie"
# (processing activity, recipient, categories, channel, basis, statute, purpose, what was sent)
DISCLOSURES = [
    (
        "werkgeversdienstverlening",
        Recipient(party_id="uwv", category=RecipientCategory.UWV, name="UWV"),
        [DataCategory.NAW, DataCategory.BSN],
        Channel.SUWINET,
        GdprBasis.PUBLIC_TASK,
        parse_statute("Wet SUWI art. 54"),
        Purpose.WERKGEVERSDIENSTVERLENING,
        "Kandidaat opgenomen in WBS (werk.nl) voor een vacature",
    ),
    (
        "proefplaatsing",
        Recipient(
            party_id="werkgever-bouwbedrijf-emmeloord",
            category=RecipientCategory.WERKGEVER,
            name="Bouwbedrijf Emmeloord BV",
        ),
        [DataCategory.NAW, DataCategory.GEBOORTEDATUM, DataCategory.CONTACTGEGEVENS],
        Channel.EMAIL,
        GdprBasis.PUBLIC_TASK,
        parse_statute("Participatiewet art. 53a"),
        Purpose.PARTICIPATIE,
        "Werkervaringsovereenkomst toegestuurd",
    ),
    (
        "jobcoaching-loonwaardemeting",
        Recipient(party_id="jobcoach-noord", category=RecipientCategory.JOBCOACH, name="Jobcoach Noord"),
        [DataCategory.NAW, DataCategory.ARBEIDSGEGEVENS, DataCategory.GEZONDHEID],
        Channel.PORTAL,
        GdprBasis.LEGAL_OBLIGATION,
        parse_statute("Participatiewet art. 10d"),
        Purpose.ZELFSTANDIG_WERKEN,
        "Gegevens doorgegeven voor loonwaardemeting",
    ),
    (
        "loonkostensubsidie",
        Recipient(
            party_id="gemeente-noordoostpolder",
            category=RecipientCategory.GEMEENTE,
            name="Gemeente Noordoostpolder",
        ),
        [DataCategory.NAW, DataCategory.BSN, DataCategory.LOONSTROKEN],
        Channel.FILE_TRANSFER,
        GdprBasis.LEGAL_OBLIGATION,
        parse_statute("Participatiewet art. 53a"),
        Purpose.LOONKOSTENSUBSIDIE,
        "Loonstroken doorgestuurd",
    ),
]


def make_bsn(rng: random.Random) -> str:
    """A random number passing the elfproef (weights 9..2, then -1)."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        if digits[0] == 0:
            continue
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        check = total % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def demo_events(subjects: int = 5, seed: int | None = None) -> list[Event]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    events: list[Event] = []

    def env(minutes_ago: int, activity: str, controller: str = CONTROLLER) -> dict[str, object]:
        return {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "occurred_at": now - timedelta(minutes=minutes_ago),
            "producer": PRODUCER,
            "controller": controller,
            "processing_activity": activity,
        }

    for i in range(subjects):
        subject = SubjectRef(bsn=make_bsn(rng))
        events.append(
            CaseStarted(
                **env(900 - i, "registratie-kandidaten", PHONE_CONTROLLER),
                data=CaseData(
                    subject=subject,
                    case_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    recorded_by=f"medewerker-{rng.randint(10, 40)}",
                ),
            )
        )
        for j, (activity, recipient, cats, channel, basis, statute, purpose, details) in enumerate(
            DISCLOSURES
        ):
            events.append(
                DisclosureRecorded(
                    **env(600 - 10 * j - i, activity),
                    data=DisclosureData(
                        subject=subject,
                        recipient=recipient,
                        data_categories=cats,
                        channel=channel,
                        purpose=purpose,
                        legal_basis=LegalBasis(gdpr_article_6_1=basis, statute=statute),
                        disclosed_by=f"medewerker-{rng.randint(10, 40)}",
                        details=details,
                    ),
                )
            )
        form = hashlib.sha256(f"toestemmingsformulier-foto-{i}".encode()).hexdigest()
        events.append(
            ConsentGiven(
                **env(300 - i, "website-en-social-media"),
                data=ConsentData(
                    subject=subject,
                    purpose=ConsentPurpose.PHOTO_WEBSITE,
                    expressed_by=ExpressedBy.SELF,
                    method=ConsentMethod.PAPER_FORM,
                    notice_version="toestemmingsformulier-foto-2026",
                    form_sha256=form,
                    evidence_ref=f"archief/foto/{2026}-{i:04d}",
                    valid_until=now + timedelta(days=730),
                ),
            )
        )
        events.append(
            ConsentGiven(
                **env(200 - i, "nieuwsbrief"),
                data=ConsentData(
                    subject=subject,
                    purpose=ConsentPurpose.NEWSLETTER,
                    method=ConsentMethod.WEB,
                    notice_version="privacyverklaring-2026-01",
                ),
            )
        )
        if i % 3 == 2:
            events.append(
                ConsentWithdrawn(
                    **env(60 - i, "website-en-social-media"),
                    data=ConsentChangeData(
                        subject=subject,
                        purpose=ConsentPurpose.PHOTO_WEBSITE,
                        reason="Wil niet meer op de website",
                    ),
                )
            )
    return events

"""Who relies on a consent, per purpose, and so must be told when it ends (GDPR art. 7(3), 19).

The defaults come from the processing register (seed 000): newsletters go out through the
supplier Comsi; photos appear on the website WerkCorporatie.nl and its social media, kept by
the organisation's own editors. An organisation configures its own with NOTIFIER_CONSENT_RECIPIENTS.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_CONSENT_RECIPIENTS", "ConsentRecipient", "notice_stream"]


@dataclass(frozen=True, slots=True)
class ConsentRecipient:
    party_id: str
    name: str
    category: str  # a RecipientCategory code
    webhook: str | None = None  # else the broker stream notice_stream(party_id)


def notice_stream(party_id: str) -> str:
    return f"ledger.notices.{party_id}"


_SUPPLIER = ConsentRecipient("comsi", "Comsi (leverancier van de nieuwsbrief)", "leverancier")
_EDITORS = ConsentRecipient("website-redactie", "Redactie website en social media", "interne-behandelaar")

DEFAULT_CONSENT_RECIPIENTS: dict[str, tuple[ConsentRecipient, ...]] = {
    "newsletter-subscription": (_SUPPLIER,),
    "photo-newsletter": (_SUPPLIER,),
    "photo-website": (_EDITORS,),
    "photo-social-media": (_EDITORS,),
}

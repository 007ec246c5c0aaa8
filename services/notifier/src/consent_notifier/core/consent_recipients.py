"""Who relies on a consent, per controller and purpose, and so must be told when it ends (GDPR
art. 7(3), 19). Consent is given to one controller: its ending is told to that controller's
recipients only, never to another organisation's supplier.

The defaults come from WerkCorporatie's processing register (seed 000): newsletters go out through
the supplier Comsi; photos appear on the website WerkCorporatie.nl and its social media, kept by the
organisation's own editors. No other controller has recipients until it configures them
(NOTIFIER_CONSENT_RECIPIENTS).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_CONSENT_RECIPIENTS", "ConsentRecipient", "Recipients", "notice_stream"]


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

Recipients = dict[str, dict[str, tuple[ConsentRecipient, ...]]]  # controller -> purpose -> parties

DEFAULT_CONSENT_RECIPIENTS: Recipients = {
    "werkcorporatie": {
        "newsletter-subscription": (_SUPPLIER,),
        "photo-newsletter": (_SUPPLIER,),
        "photo-website": (_EDITORS,),
        "photo-social-media": (_EDITORS,),
    }
}

"""Machine-readable decision reasons, and the Dutch sentence the employee reads for each."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["POSSIBLE_DECISIONS", "Reason", "Verdict", "explain"]


class Verdict(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    CALL_BACK = "call-back"


class Reason(StrEnum):
    ALLOWED = "known-person-verified-number"
    # denials by the policy
    UNKNOWN_PARTY = "unknown-party"
    PARTY_NOT_IN_FORCE = "party-not-in-force"
    TOPIC_NOT_ALLOWED = "topic-not-allowed"
    UNKNOWN_SUBJECT = "unknown-subject"
    SUBJECT_RESTRICTED = "subject-restricted"
    NO_SPECIAL_CATEGORY_GROUND = "no-special-category-ground"
    UNKNOWN_PERSON = "unknown-person"
    PERSON_EXPIRED = "person-expired"
    NUMBER_EXPIRED = "number-expired"
    NUMBER_REVOKED = "number-revoked"
    NO_VERIFIED_NUMBER = "no-verified-number"
    GIVEN_NUMBER_NOT_VERIFIED = "given-number-not-verified"
    POLICY_EMPTY = "policy-empty"
    POLICY_ERROR = "policy-error"
    # doubts about identity: call back
    CALLING_NUMBER_NOT_VERIFIED = "calling-number-not-verified"
    FIRST_CONTACT = "first-contact"
    SPECIAL_CATEGORIES = "special-categories"
    ALWAYS_CALL_BACK = "always-call-back"
    # after the policy
    CALLBACK_CONFIRMED = "callback-confirmed"
    CALLBACK_FAILED = "callback-failed"
    CALLBACK_DEADLINE_PASSED = "callback-deadline-passed"
    MANAGEMENT_OVERRIDE = "management-override"


_NL: dict[Reason, str] = {
    Reason.ALLOWED: "Bekende persoon van deze partij, belt vanaf een geverifieerd nummer.",
    Reason.UNKNOWN_PARTY: "Deze partij staat niet in art. 8 lid 3: geen telefonische inlichtingen.",
    Reason.PARTY_NOT_IN_FORCE: "Deze partij is op dit moment niet (meer) aangewezen.",
    Reason.TOPIC_NOT_ALLOWED: "Over dit onderwerp mag deze partij niet telefonisch worden ingelicht.",
    Reason.UNKNOWN_SUBJECT: "De betrokkene is niet bij ons geregistreerd.",
    Reason.SUBJECT_RESTRICTED: "De verwerking van gegevens van deze betrokkene is beperkt (AVG art. 18).",
    Reason.NO_SPECIAL_CATEGORY_GROUND: (
        "Voor gezondheidsgegevens over dit onderwerp is geen grond van AVG art. 9 lid 2 vastgelegd."
    ),
    Reason.UNKNOWN_PERSON: "De beller is geen bekende persoon van deze partij.",
    Reason.PERSON_EXPIRED: "De beller is niet meer als bekende persoon geregistreerd.",
    Reason.NUMBER_EXPIRED: "De verificatie van het nummer van deze persoon is verlopen.",
    Reason.NUMBER_REVOKED: "Het geverifieerde nummer van deze persoon is ingetrokken.",
    Reason.NO_VERIFIED_NUMBER: "Van deze persoon is geen geverifieerd nummer bekend.",
    Reason.GIVEN_NUMBER_NOT_VERIFIED: "Het opgegeven terugbelnummer is niet geverifieerd: niet bellen.",
    Reason.POLICY_EMPTY: "Er is geen beleid ingesteld: niets wordt toegestaan.",
    Reason.POLICY_ERROR: "Het beleid kon niet worden toegepast: niets wordt toegestaan.",
    Reason.CALLING_NUMBER_NOT_VERIFIED: "Er wordt gebeld vanaf een nummer dat niet geverifieerd is.",
    Reason.FIRST_CONTACT: "Eerste contact met deze persoon: eerst terugbellen.",
    Reason.SPECIAL_CATEGORIES: "Er wordt om bijzondere persoonsgegevens gevraagd: eerst terugbellen.",
    Reason.ALWAYS_CALL_BACK: "Voor deze partij wordt altijd teruggebeld.",
    Reason.CALLBACK_CONFIRMED: "Teruggebeld op het geverifieerde nummer; identiteit bevestigd.",
    Reason.CALLBACK_FAILED: "Terugbellen leverde geen bevestiging op.",
    Reason.CALLBACK_DEADLINE_PASSED: "De termijn om terug te bellen is verstreken.",
    Reason.MANAGEMENT_OVERRIDE: "De directie heeft in dit geval anders beslist.",
}


_CALL_BACK = {
    Reason.CALLING_NUMBER_NOT_VERIFIED,
    Reason.FIRST_CONTACT,
    Reason.SPECIAL_CATEGORIES,
    Reason.ALWAYS_CALL_BACK,
}
_ALLOW = {Reason.ALLOWED, Reason.CALLBACK_CONFIRMED, Reason.MANAGEMENT_OVERRIDE}
# every (verdict, reason) pair a decision can have: the metrics list each, also while it is 0
POSSIBLE_DECISIONS: tuple[tuple[Verdict, Reason], ...] = tuple(
    (Verdict.CALL_BACK if r in _CALL_BACK else Verdict.ALLOW if r in _ALLOW else Verdict.DENY, r)
    for r in Reason
)


def explain(reason: str) -> str:
    """The Dutch explanation of a reason code; unknown codes are shown as they are."""
    try:
        return _NL[Reason(reason)]
    except ValueError:
        return reason

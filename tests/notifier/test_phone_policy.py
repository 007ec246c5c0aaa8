"""The phone rule of art. 8 lid 3 as a scenario table: every party-topic pair, every denial
reason, every doubt that leads to a callback on the registry's number."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from consent_notifier.core.art8 import ART_8_LID_3
from consent_notifier.core.policy import Facts, PhonePolicy, PhoneRequest, default_policy
from consent_notifier.core.reasons import Reason, Verdict, explain
from consent_notifier.core.registry import KnownPerson, Party, VerifiedNumber

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
VERIFIED = "+31527123456"
OTHER_VERIFIED = "+31527999888"
STRANGER = "+31612345678"
PARTIES = {p.party_id: p for p in ART_8_LID_3}
ALL_TOPICS = sorted({t.topic_id for p in ART_8_LID_3 for t in p.topics})
ALLOWED = {
    "uwv": {"arbeidsongeschiktheidsuitkering", "werkloosheidsuitkering"},
    "uwv-werkbedrijf": {"indiensttreding", "uitdiensttreding"},
    "sociale-dienst": {"indiensttreding", "uitdiensttreding", "activiteitenovereenkomst"},
    "bureau-schuldhulpverlening": {"schuldhulpverlening"},
    "gemeentesecretarie-abjz": {"bezwaarprocedure"},
}


def person(party_id: str, **kw) -> KnownPerson:
    numbers = (
        VerifiedNumber(OTHER_VERIFIED, "beheer1", NOW - timedelta(days=400)),
        VerifiedNumber(VERIFIED, "beheer1", NOW - timedelta(days=30), NOW + timedelta(days=335)),
    )
    return KnownPerson(
        kw.pop("person_id", f"{party_id}-contact"), party_id, "Contactpersoon", numbers=numbers, **kw
    )


def request(party_id: str = "uwv", topic: str = "werkloosheidsuitkering", **kw) -> PhoneRequest:
    values = dict(
        request_id="r1",
        subject="p1-" + "a" * 64,
        subject_known=True,
        party_id=party_id,
        person_id=f"{party_id}-contact",
        calling_number=VERIFIED,
        given_number=None,
        topic=topic,
        data_categories=frozenset({"uitkering"}),
        special_categories=False,
        requested_by="mdw1",
        at=NOW,
    )
    values.update(kw)
    return PhoneRequest(**values)  # type: ignore[arg-type]


def facts(party_id: str = "uwv", **kw) -> Facts:
    values = dict(party=PARTIES.get(party_id), person=person(party_id), earlier_contact=True)
    values.update(kw)
    return Facts(**values)  # type: ignore[arg-type]


POLICY = default_policy()


@pytest.mark.parametrize("party_id", sorted(ALLOWED))
@pytest.mark.parametrize("topic", ALL_TOPICS)
def test_every_party_topic_pair_of_art_8_lid_3(party_id: str, topic: str):
    decision = POLICY.decide(request(party_id, topic), facts(party_id))
    if topic in ALLOWED[party_id]:
        assert (decision.verdict, decision.reason) == (Verdict.ALLOW, Reason.ALLOWED)
    else:
        assert (decision.verdict, decision.reason) == (Verdict.DENY, Reason.TOPIC_NOT_ALLOWED)
    assert decision.policy_version == POLICY.version


def test_the_seed_is_exactly_the_five_parties_of_the_regulation():
    assert {p.party_id: {t.topic_id for t in p.topics} for p in ART_8_LID_3} == ALLOWED


def test_an_employer_asking_by_phone_is_denied():
    d = POLICY.decide(request("werkgever-bouwbedrijf-emmeloord"), facts("werkgever-bouwbedrijf-emmeloord"))
    assert (d.verdict, d.reason, d.callback_number) == (Verdict.DENY, Reason.UNKNOWN_PARTY, None)


NEXT_YEAR = NOW + timedelta(days=365)
DENIALS = [
    (
        "party no longer designated",
        {},
        {"party": replace(PARTIES["uwv"], valid_until=NOW)},
        Reason.PARTY_NOT_IN_FORCE,
    ),
    (
        "party not yet designated",
        {},
        {"party": replace(PARTIES["uwv"], valid_from=NEXT_YEAR)},
        Reason.PARTY_NOT_IN_FORCE,
    ),
    ("unknown subject", {"subject_known": False}, {}, Reason.UNKNOWN_SUBJECT),
    ("no person named", {"person_id": None}, {"person": None}, Reason.UNKNOWN_PERSON),
    (
        "person of another party",
        {},
        {"person": person("sociale-dienst", person_id="uwv-contact")},
        Reason.UNKNOWN_PERSON,
    ),
    ("person expired", {}, {"person": person("uwv", valid_until=NOW)}, Reason.PERSON_EXPIRED),
    (
        "all verifications expired",
        {},
        {
            "person": replace(
                person("uwv"),
                numbers=(
                    VerifiedNumber(VERIFIED, "beheer1", NOW - timedelta(days=400), NOW - timedelta(days=1)),
                ),
            )
        },
        Reason.NUMBER_EXPIRED,
    ),
    (
        "number revoked",
        {},
        {
            "person": replace(
                person("uwv"),
                numbers=(
                    VerifiedNumber(
                        VERIFIED, "beheer1", NOW - timedelta(days=40), None, NOW - timedelta(days=1)
                    ),
                ),
            )
        },
        Reason.NUMBER_REVOKED,
    ),
    (
        "number revoked before its verification ran out",
        {},
        {
            "person": replace(
                person("uwv"),
                numbers=(
                    VerifiedNumber(
                        VERIFIED,
                        "b",
                        NOW - timedelta(days=40),
                        NOW - timedelta(days=1),
                        NOW - timedelta(days=2),
                    ),
                ),
            )
        },
        Reason.NUMBER_REVOKED,
    ),
    ("processing restricted (art. 18)", {"subject_restricted": True}, {}, Reason.SUBJECT_RESTRICTED),
    (
        "health data on a topic without an art. 9 ground",
        {"topic": "schuldhulpverlening", "article_9": True, "special_categories": True},
        {"party": PARTIES["bureau-schuldhulpverlening"]},
        Reason.NO_SPECIAL_CATEGORY_GROUND,
    ),
    (
        "never verified a number",
        {},
        {"person": replace(person("uwv"), numbers=())},
        Reason.NO_VERIFIED_NUMBER,
    ),
    ("caller gives an unverified number", {"given_number": STRANGER}, {}, Reason.GIVEN_NUMBER_NOT_VERIFIED),
    ("topic of another party", {"topic": "bezwaarprocedure"}, {}, Reason.TOPIC_NOT_ALLOWED),
]


@pytest.mark.parametrize(("case", "req", "fact", "reason"), DENIALS, ids=[d[0] for d in DENIALS])
def test_each_denial_reason(case, req, fact, reason):
    d = POLICY.decide(request(**req), facts(**fact))
    assert (d.verdict, d.reason, d.callback_number) == (Verdict.DENY, reason, None)
    assert explain(d.reason) != d.reason  # the employee reads a Dutch sentence


DOUBTS = [
    (
        "known person on an unknown number",
        {"calling_number": STRANGER},
        {},
        Reason.CALLING_NUMBER_NOT_VERIFIED,
    ),
    ("number withheld", {"calling_number": None}, {}, Reason.CALLING_NUMBER_NOT_VERIFIED),
    (
        "calling from an expired number",
        {"calling_number": "+31527000111"},
        {
            "person": replace(
                person("uwv"),
                numbers=(
                    *person("uwv").numbers,
                    VerifiedNumber("+31527000111", "b", NOW - timedelta(days=900), NOW),
                ),
            )
        },
        Reason.CALLING_NUMBER_NOT_VERIFIED,
    ),
    ("special categories", {"special_categories": True}, {}, Reason.SPECIAL_CATEGORIES),
    (
        "health data on a topic with its art. 9 ground",
        {"special_categories": True, "article_9": True},
        {},
        Reason.SPECIAL_CATEGORIES,
    ),
    (
        "party flagged always-call-back",
        {},
        {"party": replace(PARTIES["uwv"], always_call_back=True)},
        Reason.ALWAYS_CALL_BACK,
    ),
]


@pytest.mark.parametrize(("case", "req", "fact", "reason"), DOUBTS, ids=[d[0] for d in DOUBTS])
def test_doubt_means_call_back_on_the_registrys_number(case, req, fact, reason):
    d = POLICY.decide(request(**req), facts(**fact))
    assert (d.verdict, d.reason) == (Verdict.CALL_BACK, reason)
    assert d.callback_number == VERIFIED  # the most recently verified number, never the calling one


def test_first_contact_is_a_stricter_option_off_by_default():
    """The regulation asks for a callback when the identity is in doubt; a known person calling
    from their verified number is the case it allows, also the first time."""
    first = facts(earlier_contact=False)
    assert POLICY.decide(request(), first).verdict is Verdict.ALLOW
    strict = default_policy(first_contact=True)
    d = strict.decide(request(), first)
    assert (d.verdict, d.reason, d.callback_number) == (Verdict.CALL_BACK, Reason.FIRST_CONTACT, VERIFIED)
    assert strict.decide(request(), facts()).verdict is Verdict.ALLOW
    assert strict.version != POLICY.version


def test_a_given_number_is_used_only_when_verified_for_that_person():
    d = POLICY.decide(request(calling_number=STRANGER, given_number=OTHER_VERIFIED), facts())
    assert (d.verdict, d.callback_number) == (Verdict.CALL_BACK, OTHER_VERIFIED)


def test_configured_always_call_back_changes_the_policy_version():
    strict = default_policy(frozenset({"uwv"}))
    assert strict.decide(request(), facts()).verdict == Verdict.CALL_BACK
    assert (
        strict.decide(request("sociale-dienst", "indiensttreding"), facts("sociale-dienst")).verdict
        == Verdict.ALLOW
    )
    assert (
        default_policy(None)
        .decide(request("sociale-dienst", "indiensttreding"), facts("sociale-dienst"))
        .verdict
        == Verdict.CALL_BACK
    )
    assert len({POLICY.version, strict.version, default_policy(None).version}) == 3
    assert default_policy(frozenset({"b", "a"})).version == default_policy(frozenset({"a", "b"})).version


def test_an_empty_policy_refuses_and_a_broken_rule_denies():
    assert PhonePolicy([], []).decide(request(), facts()).reason == Reason.POLICY_EMPTY

    class Broken:
        name = "broken"

        def check(self, request, facts):
            raise RuntimeError("bug")

    d = PhonePolicy([Broken()], []).decide(request(), facts())
    assert (d.verdict, d.reason) == (Verdict.DENY, Reason.POLICY_ERROR)


def test_the_policy_can_be_listed():
    text = POLICY.describe()
    assert (
        "PartyIsNamed" in text and "HealthDataHasGround" in text and POLICY.version.startswith("art8-lid3.")
    )


def test_parties_are_only_those_known():
    assert isinstance(PARTIES["uwv"], Party)

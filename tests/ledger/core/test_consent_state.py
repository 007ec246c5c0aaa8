"""Consent state is a function of the events by event time: any delivery order, any duplicates,
the same answer; and as-of questions answer for any moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consent_ledger.core.consent_state import ConsentFact, standing_at, state_at, supersedes
from hypothesis import given
from hypothesis import strategies as st

T0 = datetime(2026, 1, 1, tzinfo=UTC)
KINDS = [
    "consent.given",
    "consent.renewed",
    "consent.refused",
    "consent.withdrawn",
    "consent.revoked",
    "consent.expired",
]


def fact(kind: str, day: int, eid: str, until: int | None = None) -> ConsentFact:
    return ConsentFact(kind, T0 + timedelta(days=day), eid, T0 + timedelta(days=until) if until else None)


facts = st.lists(
    st.builds(
        fact,
        st.sampled_from(KINDS),
        st.integers(0, 30),  # few days: many ties in time, broken by event id
        st.text("abc", min_size=1, max_size=2),
        st.one_of(st.none(), st.integers(1, 60)),
    ),
    max_size=12,
    unique_by=lambda f: f.event_id,  # one content per event id: another content is a conflict entry
)


@given(facts, st.randoms(use_true_random=False), st.integers(-1, 70))
def test_any_permutation_with_duplicates_gives_the_same_state(events, rnd, day):
    at = T0 + timedelta(days=day)
    shuffled = events + rnd.sample(events, len(events) // 2)  # redelivered duplicates
    rnd.shuffle(shuffled)
    assert state_at(shuffled, at) == state_at(events, at)


@given(facts, st.randoms(use_true_random=False))
def test_the_incremental_projection_equals_the_fold_over_history(events, rnd):
    """The ledger keeps one standing fact per subject and purpose, updated as events arrive in
    any order; it must equal the answer from the whole history."""
    order = list(events)
    rnd.shuffle(order)
    standing = None
    for f in order:
        if supersedes(f, standing):
            standing = f
    assert standing == standing_at(events, T0 + timedelta(days=10_000))


def test_as_of_answers_for_each_moment():
    history = [
        fact("consent.given", 0, "form-1", until=150),  # signed 1 January, valid until 31 May
        fact("consent.withdrawn", 90, "mail-2"),  # withdrawn 1 April
        fact("consent.renewed", 120, "form-3", until=300),  # a new form on 1 May
    ]

    def on(day: int) -> tuple[bool, str, str | None]:
        s = state_at(history, T0 + timedelta(days=day))
        return s.allowed, s.reason, s.state

    assert on(-1) == (False, "no-consent-record", None)
    assert on(59) == (True, "given", "dpv:ConsentGiven")  # 1 March 2026: valid
    assert on(95) == (False, "withdrawn", "dpv:ConsentWithdrawn")
    assert on(125) == (True, "renewed", "dpv:RenewedConsentGiven")
    assert on(300) == (False, "expired", "dpv:ConsentExpired")  # valid-until is exclusive


def test_revoked_by_another_party_and_refused_are_not_allowed():
    assert state_at(
        [fact("consent.given", 0, "a"), fact("consent.revoked", 1, "b")], T0 + timedelta(days=2)
    ).state == ("dpv:ConsentRevoked")
    refused = state_at([fact("consent.refused", 0, "a")], T0 + timedelta(days=1))
    assert (refused.allowed, refused.reason) == (False, "refused")

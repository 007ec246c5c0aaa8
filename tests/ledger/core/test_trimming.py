"""The trim bound: below it every required group has acknowledged; a missing group holds all back."""

from consent_ledger.core.trimming import GroupState, safe_min_id
from hypothesis import given
from hypothesis import strategies as st


def test_bounds():
    ledger = GroupState("5-2", None)
    assert safe_min_id(["ledger"], {"ledger": ledger}) == "5-3"
    assert safe_min_id(["ledger"], {"ledger": GroupState("5-2", "3-0")}) == "3-0"
    assert safe_min_id(["ledger", "notifier"], {"ledger": ledger}) is None  # notifier has no group yet
    assert safe_min_id(["ledger"], {"ledger": GroupState("0-0", None)}) == "0-1"
    assert safe_min_id([], {"ledger": ledger}) is None


ids = st.tuples(st.integers(0, 10**6), st.integers(0, 5))


@given(st.lists(st.tuples(ids, st.one_of(st.none(), ids)), min_size=1, max_size=4))
def test_never_above_any_groups_pending_or_unread_entry(states):
    groups = {}
    for i, ((ms, seq), pending) in enumerate(states):
        oldest = None
        if pending is not None and pending <= (ms, seq):
            oldest = f"{pending[0]}-{pending[1]}"
        groups[f"g{i}"] = GroupState(f"{ms}-{seq}", oldest)
    bound = safe_min_id(list(groups), groups)
    for g in groups.values():
        keep = g.oldest_pending or None
        if bound is None:
            continue
        b = tuple(map(int, bound.split("-")))
        if keep:
            assert b <= tuple(map(int, keep.split("-")))  # the oldest pending entry stays
        last = tuple(map(int, g.last_delivered.split("-")))
        assert b <= (last[0], last[1] + 1)  # nothing after the last delivered entry goes

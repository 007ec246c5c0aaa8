import json

import pytest
import rfc8785
from consent_ledger.core.canonical import CanonicalError, canonical_bytes
from hypothesis import given
from hypothesis import strategies as st

ascii_keys = st.text(alphabet=st.characters(max_codepoint=127), max_size=8)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ascii_keys, children, max_size=4),
    max_leaves=20,
)


@given(values)
def test_matches_an_independent_rfc8785_implementation(value):
    assert canonical_bytes(value) == rfc8785.dumps(value)


@given(values)
def test_round_trips(value):
    assert json.loads(canonical_bytes(value)) == value


@pytest.mark.parametrize("bad", [1.5, {"k": float("nan")}, {1: "x"}, {"é": 1}, 2**60, b"bytes"])
def test_refuses_what_it_cannot_canonicalise(bad):
    with pytest.raises(CanonicalError):
        canonical_bytes(bad)

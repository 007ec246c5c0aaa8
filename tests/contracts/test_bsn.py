"""The inline elfproef (ledger_contracts.subjects.is_valid_bsn) against python-stdnum's, which it
replaced on the ingest path: the same answer for any text, valid numbers found and not only refused."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from ledger_contracts.subjects import is_valid_bsn
from stdnum.nl import bsn as stdnum_bsn


def reference(value: str) -> bool:
    """What the ledger asked before: nine characters, digits, and stdnum's check."""
    return len(value) == 9 and value.isdigit() and stdnum_bsn.is_valid(value)


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
digit_like = st.text(alphabet=st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩²³ -."), min_size=7, max_size=11)


@given(st.one_of(nine_digits, digit_like, st.text(max_size=12)))
@example("111222333")
@example("000000000")
@example("111222334")
@example("١١١٢٢٢٣٣٣")  # Arabic-Indic digits: str.isdigit accepts them, the elfproef must not
@example("11122233")  # eight digits: stdnum pads with a zero, the ledger wants nine
def test_inline_elfproef_answers_as_python_stdnum(value: str) -> None:
    assert is_valid_bsn(value) is reference(value)


def test_valid_numbers_are_found() -> None:
    """Every tenth-ish number of nine digits passes; the property above must have met both answers."""
    valid = [f"{n:09d}" for n in range(111_222_300, 111_222_400) if is_valid_bsn(f"{n:09d}")]
    assert valid and valid == [f"{n:09d}" for n in range(111_222_300, 111_222_400) if reference(f"{n:09d}")]

"""Log lines never carry a BSN or a phone number: the route template, and the masking filter."""

import logging

from consent_ledger.adapters.log_hygiene import MaskingFilter, mask, route_template
from hypothesis import given
from hypothesis import strategies as st

from tests.support.factories import VALID_BSN


def test_mask_hides_bsns_and_phone_numbers_but_keeps_uuids_and_codes():
    line = f"GET /x/{VALID_BSN} called from +31 6 12345678 and 0527 123456 about 1111-2222"
    masked = mask(line)
    assert VALID_BSN not in masked and "12345678" not in masked and "123456" not in masked
    uuid = "2f6c1d0e-8b1a-4c7e-9a55-111222333000"
    assert mask(f"event {uuid} refused: invalid_bsn") == f"event {uuid} refused: invalid_bsn"


@given(st.from_regex(r"[1-9][0-9]{8}", fullmatch=True), st.text(max_size=20))
def test_no_nine_digit_number_survives_the_filter(number, around):
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s %s %s", (around, number, around), None)
    MaskingFilter().filter(record)
    assert number not in record.getMessage()


def test_route_template_is_the_pattern_never_the_path():
    class Route:
        path = "/v1/consents/{subject}/{purpose}"

    scope = {"route": Route(), "root_path": "", "path": f"/v1/consents/{VALID_BSN}/photo-website"}
    assert route_template(scope) == "/v1/consents/{subject}/{purpose}"
    assert route_template({"path": "/anything"}) == "(no route)"

"""The accessibility check itself can fail: axe-core in Chromium finds an unlabelled field and
text too pale to read, and passes the same page once they are fixed."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.accessibility import violations
from tests.browser.test_worklist import CHROMIUM

BAD = """<!doctype html><html lang="nl"><head><title>t</title></head><body><main>
<h1>Formulier</h1><input type="text" name="bsn">
<p style="color:#ccc">Lichtgrijs op wit</p></main></body></html>"""
GOOD = """<!doctype html><html lang="nl"><head><title>t</title></head><body><main>
<h1>Formulier</h1><label for="bsn">BSN</label><input type="text" id="bsn" name="bsn">
<p style="color:#333">Donkergrijs op wit</p></main></body></html>"""


@pytest.mark.browser
def test_axe_finds_what_is_wrong_and_passes_what_is_right():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_content(BAD)
        assert {v["id"] for v in violations(page)} == {"label", "color-contrast"}
        page.set_content(GOOD)
        assert violations(page) == []
        browser.close()

"""Done-when of the notifier: through `consent-ledger up`, an employee opens the worklist page in
a real headless Chromium, submits a phone request, is told to call back on the registry's
number, records the outcome, and `consent-ledger verify` shows the decision on the intact ledger."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import wait_until
from tests.integration.test_cli import run

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct-horse-battery-staple"


def entries(env, kind: str) -> list[bytes]:
    with sqlite3.connect(f"{env['LEDGER_HOME']}/ledger.db") as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT body FROM ledger_entry WHERE CAST(body AS TEXT) LIKE ?", (f'%"event_type":"{kind}"%',)
            )
        ]


@pytest.mark.browser
def test_employee_is_told_to_call_back_and_the_outcome_lands_on_the_ledger(up):
    env, base = up
    assert run(["users", "add", "beheer1", "--role", "administrator"], env).returncode == 0
    added = run(
        ["users", "add", "mdw1", "--role", "employee", "--password-stdin"], env, input=PASSWORD + "\n"
    )
    assert added.returncode == 0, added.stderr
    boss = run(
        ["users", "add", "directeur1", "--role", "management", "--password-stdin"], env, input=PASSWORD + "\n"
    )
    assert boss.returncode == 0, boss.stderr
    person = run(
        ["registry", "add-person", "uwv-jansen", "--party", "uwv", "--name", "J. Jansen", "--by", "beheer1"],
        env,
    )
    assert person.returncode == 0, person.stdout + person.stderr
    assert (
        run(["registry", "verify-number", "uwv-jansen", "0527 123 456", "--by", "beheer1"], env).returncode
        == 0
    )
    refused = run(["registry", "add-person", "x", "--party", "uwv", "--name", "X", "--by", "mdw1"], env)
    assert refused.returncode == 2 and "administrator" in refused.stderr
    assert run(["demo", "--subjects", "1", "--seed", "3"], env).returncode == 0
    from consent_ledger.demo import demo_events

    bsn = next(e.data.subject.bsn for e in demo_events(1, seed=3) if e.data.subject.bsn)
    wait_until(lambda: len(entries(env, "disclosure.recorded")) >= 1, what="the demo on the ledger")
    wait_until(lambda: len(entries(env, "case.started")) >= 1, what="the registration on the ledger")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(f"{base}/telefoon/")
        assert page.url.endswith("/telefoon/inloggen")  # nobody gets in without a personal user id
        page.get_by_label("Gebruikersnaam").fill("mdw1")
        page.get_by_label("Wachtwoord").fill("wrong password")
        page.get_by_role("button", name="Inloggen").click()
        assert page.get_by_role("alert").inner_text() == "Gebruikersnaam of wachtwoord onjuist."
        page.get_by_label("Gebruikersnaam").fill("mdw1")
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        assert page.get_by_role("heading", name="Werklijst").is_visible()
        forged = {"subject": bsn, "party_id": "uwv", "topic": "werkloosheidsuitkering"}
        forged_post = page.request.post(f"{base}/telefoon/verzoeken", form=forged, max_redirects=0)
        assert forged_post.status == 403  # the session cookie alone is not enough: no form token

        page.get_by_label("BSN van de betrokkene").fill(bsn)
        page.get_by_label("Partij van de beller").select_option("uwv")
        page.get_by_label("Bekende persoon").select_option("uwv-jansen")
        page.get_by_label("Onderwerp").select_option("werkloosheidsuitkering")
        page.get_by_label("uitkering", exact=True).check()
        page.get_by_label("Nummer waarvan gebeld wordt").fill("06 12345678")
        page.get_by_role("button", name="Beslissing vragen").click()

        status = page.get_by_role("status")
        assert status.inner_text().strip() == "Terugbellen"
        assert page.locator("[data-callback-number]").inner_text() == "+31527123456"  # the registry's number
        assert "06 12345678" not in page.content() and bsn not in page.content()  # no more than needed
        page.get_by_role("link", name="Terug naar de werklijst").click()
        waiting = page.locator("[data-open-callback]")  # "my open callbacks" on the worklist
        assert waiting.count() == 1 and "+31527123456" in waiting.inner_text()
        waiting.get_by_role("link").click()
        page.get_by_role("button", name="Identiteit bevestigd").click()
        assert page.get_by_role("status").inner_text().strip() == "Toegestaan"
        assert "Teruggebeld op het geverifieerde nummer" in page.content()

        page.goto(f"{base}/telefoon/")
        page.get_by_label("BSN van de betrokkene").fill("123456789")  # fails the elfproef
        page.get_by_label("Partij van de beller").select_option("uwv")
        page.get_by_label("Onderwerp").select_option("werkloosheidsuitkering")
        page.get_by_label("uitkering", exact=True).check()
        page.get_by_role("button", name="Beslissing vragen").click()
        assert "elfproef" in page.get_by_role("alert").inner_text()
        rows = page.locator("section[aria-labelledby=recent] tbody tr")
        assert rows.count() == 1 and "Toegestaan" in rows.first.inner_text()
        assert page.locator("[data-open-callback]").count() == 0

        # an employer is not in art. 8 lid 3: denied, and only management may decide otherwise
        page.get_by_label("BSN van de betrokkene").fill(bsn)
        page.get_by_label("Partij van de beller").select_option("niet-genoemd")
        page.get_by_label("Onderwerp").select_option("werkloosheidsuitkering")
        page.get_by_label("uitkering", exact=True).check()
        page.get_by_role("button", name="Beslissing vragen").click()
        assert page.get_by_role("status").inner_text().strip() == "Geweigerd"
        assert page.get_by_role("button", name="Toch toestaan").count() == 0  # not for an employee
        denied_url = page.url
        page.context.clear_cookies()

        page.goto(f"{base}/telefoon/inloggen")
        page.get_by_label("Gebruikersnaam").fill("directeur1")
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.goto(denied_url)
        page.get_by_label("Schriftelijke motivering").fill("Directiebesluit 2026-114: werkhervatting")
        page.get_by_label("Soort ontvanger").select_option("werkgever")
        page.get_by_label("Naam ontvanger").fill("Bouwbedrijf Emmeloord")
        page.get_by_label("Grondslag (AVG art. 6 lid 1)").select_option("e")
        page.get_by_role("button", name="Toch toestaan").click()
        assert page.get_by_role("status").inner_text().strip() == "Toegestaan"
        assert "directiebesluit" in page.content()
        browser.close()

    wait_until(
        lambda: len(entries(env, "phone.disclosure-decided")) == 4, what="all four decisions on the ledger"
    )
    assert len(entries(env, "phone.callback-confirmed")) == 1

    def phone() -> list[bytes]:  # the outbox delivers a decision and its disclosure in any order
        return [b for b in entries(env, "disclosure.recorded") if b'"channel":"phone"' in b]

    wait_until(lambda: len(phone()) >= 2, what="both phone disclosures on the ledger")
    assert len(phone()) == 2 and sum(b'"category":"werkgever"' in b for b in phone()) == 1
    verified = run(["verify"], env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout and "werkkrachtcentrale" in verified.stdout

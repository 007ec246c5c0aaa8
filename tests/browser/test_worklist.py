"""A working day at the phone desk, through `consent-ledger up`, in real headless Chromium with the
page's own CSP in force. The administrator registers a known person and verifies their number on
the registry page; an employee takes calls (a wrong BSN is corrected beside its field with the
form kept, a caller from an unverified number is called back on the registry's number, a caller
from another party is refused and their name sealed); the administrator revokes the number; a
manager overrides a refusal with a written reason that management sees. axe-core checks every
page in every state for WCAG 2.1 AA with zero violations; `verify` finds the ledger intact."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.browser.accessibility import assert_accessible
from tests.conftest import wait_until
from tests.system.test_cli import run

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct-horse-battery-staple"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def entries(env, kind: str) -> list[bytes]:
    with sqlite3.connect(f"{env['LEDGER_HOME']}/ledger.db") as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT body FROM ledger_entry WHERE CAST(body AS TEXT) LIKE ?", (f'%"event_type":"{kind}"%',)
            )
        ]


def log_in(page: Page, base: str, user: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/telefoon/inloggen")
    page.get_by_label("Gebruikersnaam").fill(user)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def ask(page: Page, base: str, party: str, bsn: str, topic: str, **fields: str) -> None:
    page.goto(f"{base}/telefoon/")
    page.get_by_label("Partij van de beller").select_option(party)
    page.get_by_role("button", name="Partij kiezen").click()
    page.get_by_label("BSN van de betrokkene").fill(bsn)
    if "person" in fields:
        page.get_by_label("Bekende persoon").select_option(label=fields["person"])
    if "caller" in fields:
        page.get_by_label("Naam van de beller").fill(fields["caller"])
    page.get_by_label("Onderwerp").select_option(label=topic)
    page.get_by_label("uitkering", exact=True).check()
    if "calling" in fields:
        page.get_by_label("Nummer waarvan gebeld wordt").fill(fields["calling"])
    page.get_by_role("button", name="Beslissing vragen").click()


def verdict(page: Page) -> str:
    return page.get_by_role("status").inner_text().strip()


@pytest.mark.browser
def test_a_working_day_at_the_phone_desk(up):
    env, base = up
    for user, role in (("beheer1", "administrator"), ("mdw1", "employee"), ("directeur1", "management")):
        added = run(["users", "add", user, "--role", role, "--password-stdin"], env, input=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr
    assert run(["demo", "--subjects", "1", "--seed", "3"], env).returncode == 0
    from consent_platform.demo import demo_events

    bsn = next(e.data.subject.bsn for e in demo_events(1, seed=3) if e.data.subject.bsn)
    wait_until(lambda: len(entries(env, "case.started")) >= 1, what="the registration on the ledger")
    checked: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(f"{base}/telefoon/")
        assert page.url.endswith("/telefoon/inloggen")  # nobody gets in without a personal user id
        assert_accessible(page, "login", checked)
        styled = page.evaluate("getComputedStyle(document.querySelector('header')).borderBottomStyle")
        assert styled == "solid"  # the page's one style block passes its own CSP

        # --- 08:30 the administrator registers a known person at UWV and verifies their number
        log_in(page, base, "beheer1", "wrong password")
        assert page.get_by_role("alert").inner_text() == "Gebruikersnaam of wachtwoord onjuist."
        assert_accessible(page, "login refused", checked)
        log_in(page, base, "beheer1")
        page.get_by_role("link", name="Register van bekende partijen").click()
        assert page.get_by_role("heading", name="Register van bekende partijen").is_visible()
        assert_accessible(page, "registry", checked)
        form = page.locator("form", has=page.get_by_role("button", name="Persoon vastleggen"))
        form.get_by_label("Partij").select_option(label="Uitvoeringsorgaan werknemersverzekeringen (UWV)")
        form.get_by_label("Naam").fill("J. Jansen")
        form.get_by_label("Korte code").fill("uwv-jansen")
        form.get_by_role("button", name="Persoon vastleggen").click()
        assert page.get_by_role("status").inner_text() == "De persoon is vastgelegd."
        page.get_by_label("Persoon", exact=True).select_option("uwv-jansen")
        page.get_by_label("Telefoonnummer").fill("0527 12")  # too short: refused beside the field
        page.get_by_role("button", name="Nummer vastleggen").click()
        assert "geen geldig telefoonnummer" in page.locator("#number-fout").inner_text()
        assert page.get_by_label("Telefoonnummer").input_value() == "0527 12"  # the form is kept
        assert page.get_by_label("Telefoonnummer").get_attribute("aria-invalid") == "true"
        assert_accessible(page, "registry with an error", checked)
        page.get_by_label("Telefoonnummer").fill("0527 123 456")
        page.get_by_role("button", name="Nummer vastleggen").click()
        row = page.locator("[data-number-row=uwv-jansen]")
        assert "0527 123 456" in row.inner_text() and "geldig" in row.inner_text()  # as dialled
        assert "beheer1" in row.inner_text()
        assert_accessible(page, "registry with a verified number", checked)

        # --- 09:00 an employee takes calls
        log_in(page, base, "mdw1")
        assert page.get_by_role("heading", name="Werklijst").is_visible()
        assert page.get_by_role("link", name="Register van bekende partijen").count() == 0
        assert_accessible(page, "worklist", checked)
        page.get_by_label("Partij van de beller").select_option("uwv")
        page.get_by_role("button", name="Partij kiezen").click()
        topics = page.get_by_label("Onderwerp").locator("option").all_inner_texts()
        assert "Werkloosheidsuitkering" in topics and not any("Jobcoach" in t for t in topics)
        persons = page.get_by_label("Bekende persoon").locator("option").all_inner_texts()
        assert persons == ["– onbekend / niet in de lijst –", "J. Jansen"]  # this party's only
        assert "naam, adres, woonplaats" in page.content()  # categories by their Dutch names
        assert_accessible(page, "new request for a chosen party", checked)

        ask(
            page,
            base,
            "uwv",
            "123456789",
            "Werkloosheidsuitkering",
            person="J. Jansen",
            calling="06 12345678",
        )
        assert "elfproef" in page.locator("#subject-fout").inner_text()  # in Dutch, beside the field
        assert page.get_by_label("Nummer waarvan gebeld wordt").input_value() == "06 12345678"
        assert page.get_by_label("uitkering", exact=True).is_checked()
        assert_accessible(page, "new request with an error", checked)

        ask(page, base, "uwv", bsn, "Werkloosheidsuitkering", person="J. Jansen", calling="06 12345678")
        assert verdict(page) == "Terugbellen"
        assert page.locator("[data-callback-number]").inner_text() == "0527 123 456"  # the registry's
        assert "06 12345678" not in page.content() and bsn not in page.content()
        assert_accessible(page, "call back", checked)
        page.get_by_role("link", name="Terug naar de werklijst").click()
        waiting = page.locator("[data-open-callback]")
        assert waiting.count() == 1
        assert "J. Jansen" in waiting.inner_text() and re.search(r"p1-[0-9a-f]{8}", waiting.inner_text())
        assert_accessible(page, "worklist with an open callback", checked)
        waiting.get_by_role("link").click()
        page.get_by_role("button", name="Identiteit bevestigd").click()
        assert verdict(page) == "Toegestaan"
        shared = page.locator("[data-may-share]").inner_text()
        assert shared.strip() == "uitkering"  # what may be told, and nothing else
        assert_accessible(page, "allowed after the callback", checked)

        page.goto(f"{base}/telefoon/")
        first = page.locator("section[aria-labelledby=recent] tbody tr").first
        shown = datetime.strptime(first.locator("td").first.inner_text(), "%d-%m-%Y %H:%M")
        now = datetime.now(AMSTERDAM).replace(tzinfo=None)
        assert abs((now - shown).total_seconds()) < 180  # Dutch local time, not UTC
        assert (
            "Werkloosheidsuitkering" in first.inner_text()
            and "werkloosheidsuitkering" not in first.inner_text()
        )

        ask(page, base, "niet-genoemd", bsn, "Werkloosheidsuitkering", caller="P. de Vries, Bouwbedrijf")
        assert verdict(page) == "Geweigerd" and "P. de Vries" in page.content()
        assert page.get_by_role("button", name="Toch toestaan").count() == 0  # not for an employee
        assert_accessible(page, "denied", checked)
        denied_url = page.url
        assert page.request.get(f"{base}/telefoon/register").status == 403

        # --- 13:00 the administrator revokes the number; the next call is not allowed on it
        log_in(page, base, "beheer1")
        page.goto(f"{base}/telefoon/register")
        page.get_by_role("button", name=re.compile("0527 123 456 van J. Jansen intrekken")).click()
        assert page.get_by_role("status").inner_text() == "Het nummer is ingetrokken."
        assert "ingetrokken" in page.locator("[data-number-row=uwv-jansen]").inner_text()
        assert_accessible(page, "registry with a revoked number", checked)
        log_in(page, base, "mdw1")
        ask(page, base, "uwv", bsn, "Werkloosheidsuitkering", person="J. Jansen", calling="0527 123 456")
        assert verdict(page) != "Toegestaan"

        # --- 15:00 a manager decides otherwise for the caller from the other party
        log_in(page, base, "directeur1")
        page.goto(denied_url)
        assert_accessible(page, "denied, seen by management", checked)
        page.get_by_label("Schriftelijke motivering").fill("kort")
        page.get_by_role("button", name="Toch toestaan").click()
        assert "minstens 10 tekens" in page.locator("#note-fout").inner_text()
        assert_accessible(page, "override with an error", checked)
        page.get_by_label("Schriftelijke motivering").fill("Directiebesluit 2026-114: werkhervatting")
        page.get_by_label("Soort ontvanger").select_option("werkgever")
        page.get_by_label("Naam ontvanger").fill("Bouwbedrijf Emmeloord")
        page.get_by_label("Grondslag (AVG art. 6 lid 1)").select_option("e")
        page.get_by_role("button", name="Toch toestaan").click()
        assert verdict(page) == "Toegestaan"
        assert "Directiebesluit 2026-114" in page.locator("[data-note]").all_inner_texts()[-1]
        assert_accessible(page, "overridden", checked)
        browser.close()
    assert len(checked) == 16, checked

    wait_until(lambda: len(entries(env, "phone.disclosure-decided")) >= 5, what="the decisions on the ledger")
    requested = entries(env, "phone.disclosure-requested")
    assert requested and not any(b"de Vries" in b for b in requested)  # the caller's name is sealed
    assert len(entries(env, "phone.callback-confirmed")) == 1

    def phone() -> list[bytes]:
        return [b for b in entries(env, "disclosure.recorded") if b'"channel":"phone"' in b]

    wait_until(lambda: len(phone()) >= 2, what="both phone disclosures on the ledger")
    assert len(phone()) == 2 and sum(b'"category":"werkgever"' in b for b in phone()) == 1
    verified = run(["verify"], env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout

"""The access report (GDPR art. 15) through the real command, for a resident with disclosures to UWV,
an employer and a jobcoach organisation, a photo consent, a correction, and at another organisation
a disclosure since erased; read in headless Chromium and, as PDF, turned into images by pdftoppm
and into text by pdftotext. It lists every recipient, date, category, purpose and basis, nothing
about anyone else nor anything another organisation holds; the PDF says everything the HTML says;
its receipt bundle verifies offline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from consent_ledger.core.audit import verify_receipts
from ledger_contracts.vocabulary import SubjectRight
from playwright.sync_api import sync_playwright

from tests.support.factories import OTHER_BSN, VALID_BSN, consent, disclosure
from tests.support.privacy_world import DAY, T0, World, lifecycle, world_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CLI = [sys.executable, "-m", "consent_platform.cli"]


def shared(activity: str, party: str, category: str, name: str, categories: list[str], purpose: str, **data):
    body = disclosure(occurred_at=(T0 + DAY).isoformat(), processing_activity=activity)
    body["data"].update(
        recipient={"party_id": party, "category": category, "name": name},
        data_categories=categories,
        purpose=purpose,
        legal_basis={"gdpr_article_6_1": "e", "statute": {"law": "participatiewet", "article": "53a"}},
        channel="email",
        **data,
    )
    return body


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path / "home")
    yield w
    w.store.dispose()


def cli(world: World, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return world_cli(world, *args, **env)


def test_a_resident_reads_and_verifies_their_access_report(world, tmp_path):
    me = world.pseudonyms.pseudonym(VALID_BSN)
    uwv = shared(
        "werkgeversdienstverlening",
        "uwv",
        "uwv",
        "UWV Werkbedrijf Emmeloord",
        ["naw", "bsn"],
        "werkgeversdienstverlening",
    )
    employer = shared(
        "proefplaatsing",
        "bakkerij-de-vries",
        "werkgever",
        "Bakkerij De Vries",
        ["naw", "contactgegevens"],
        "participatie",
        details="Afspraken over de proefplaatsing",
    )
    jobcoach = shared(
        "jobcoaching-loonwaardemeting",
        "jobcoach-noord",
        "jobcoach",
        "Jobcoach Noord B.V.",
        ["naw", "loonwaarde", "gezondheid"],
        "zelfstandig-werken",
    )
    jobcoach["data"]["legal_basis"]["special_category_ground"] = {
        "gdpr_article_9_2": "b",
        "statute": {"law": "participatiewet", "article": "53a"},
    }
    someone_else = shared(
        "proefplaatsing",
        "garage-bos",
        "werkgever",
        "Garage Bos",
        ["naw"],
        "participatie",
        subject={"bsn": OTHER_BSN},
    )
    newsletter = consent(occurred_at=T0.isoformat(), purpose="newsletter-subscription")
    newsletter["processing_activity"] = "nieuwsbrief"
    world.add(
        lifecycle("case.started", "werkcorporatie", "proefplaatsing", T0),
        uwv,
        employer,
        jobcoach,
        someone_else,
        consent(occurred_at=T0.isoformat(), evidence_ref="Formulier in dossier, map 12"),
        newsletter,
    )
    world.clock.at = T0 + 3 * DAY
    # a correction of the employer disclosure's text, and an erasure of the newsletter consent
    fix = world.rights.receive(me, "werkcorporatie", SubjectRight.CORRECTION, "medewerker-17")
    world.rights.correct(
        me,
        employer["event_id"],
        "/data/details",
        "Afspraken over proefplaatsing (gecorrigeerd)",
        "medewerker-17",
        fix.request_id,
    )
    # and at Arnhem, a disclosure, then support aborted: six weeks later the retention run erases it
    arnhem = shared(
        "begeleiding-naar-werk", "werkgever-arnhem", "werkgever", "Werkgever Arnhem", ["naw"], "participatie"
    )
    arnhem["controller"] = "gemeente-arnhem"
    world.add(
        lifecycle("case.started", "gemeente-arnhem", "begeleiding-naar-werk", T0),
        arnhem,
        lifecycle("case.aborted", "gemeente-arnhem", "begeleiding-naar-werk", T0 + DAY),
    )
    world.clock.at = T0 + 50 * DAY
    assert world.retention.run().erased_keys == 1
    world.store.dispose()

    out = tmp_path / "rapport" / "inzage.html"
    done = cli(
        world,
        "access-report",
        "--subject",
        VALID_BSN,
        "--controller",
        "werkcorporatie",
        "--by",
        "medewerker-17",
        "--out",
        str(out),
        LEDGER_PRIVACY_CONTACTS='{"werkcorporatie": "fg@werkcorporatie.example, 0527 000 000"}',
    )
    assert done.returncode == 0, done.stderr
    assert VALID_BSN not in done.stdout + done.stderr

    html = out.read_text(encoding="utf-8")
    assert "Garage Bos" not in html and OTHER_BSN not in html  # nobody else's data
    assert VALID_BSN not in html  # only its last digits
    assert "Werkgever Arnhem" not in html and "gemeente-arnhem" not in html  # nor another organisation's
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(out.as_uri())
        assert page.get_by_role("heading", name="Overzicht van uw persoonsgegevens").is_visible()
        table = page.locator("h2:has-text('Aan wie wij uw gegevens hebben verstrekt') + table")
        rows = table.locator("tr").all_inner_texts()[1:]
        assert len(rows) == 3
        by_name = {
            name: next(r for r in rows if name in r)
            for name in ("UWV Werkbedrijf Emmeloord", "Bakkerij De Vries", "Jobcoach Noord B.V.")
        }
        assert "werkgever" in by_name["Bakkerij De Vries"] and "jobcoach" in by_name["Jobcoach Noord B.V."]
        for row in rows:
            assert "3 maart 2026" in row  # the date
            assert (
                "taak van algemeen belang (AVG art. 6 lid 1 sub e)" in row
                and "Participatiewet, artikel 53a" in row
            )
            assert "naam, adres, woonplaats" in row
        assert "burgerservicenummer (BSN)" in by_name["UWV Werkbedrijf Emmeloord"]
        assert "werkgevers en werkzoekenden bij elkaar brengen" in by_name["UWV Werkbedrijf Emmeloord"]
        assert "uitkomst loonwaardemeting" in by_name["Jobcoach Noord B.V."]
        assert "AVG artikel 9 lid 2 sub b" in by_name["Jobcoach Noord B.V."]  # the ground of health data
        assert "Afspraken over proefplaatsing (gecorrigeerd)" in by_name["Bakkerij De Vries"]
        assert "was “Afspraken over de proefplaatsing”" in by_name["Bakkerij De Vries"]  # the history
        assert "kandidaten, werkgevers" in by_name["Bakkerij De Vries"]  # the register's sources
        assert "10 jaar na het einde van het traject" in by_name["UWV Werkbedrijf Emmeloord"]
        consents = page.locator("h2:has-text('Uw toestemmingen') + table").inner_text()
        assert "uw foto op de website" in consents and "Formulier in dossier, map 12" in consents
        erased = page.locator("h2:has-text('Vernietigde gegevens') + p").inner_text()
        assert erased == "Er zijn (nog) geen gegevens van u vernietigd."
        requests = page.locator("h2:has-text('Uw verzoeken') + table").inner_text()
        assert "correctie" in requests and "toegewezen" in requests and "inzage" in requests
        statement = page.locator("h2:has-text('Zelf controleren') ~ ul").last.inner_text()
        bundle = json.loads(out.with_suffix(".receipts.json").read_text())
        size = bundle["complete_up_to"]["werkcorporatie"]
        assert f"volledig tot en met boomgrootte {size}" in statement
        rights = page.locator("h2:has-text('Uw rechten') + p + ul").inner_text()
        assert "AVG artikel 16" in rights and "AVG artikel 21" in rights  # art. 15(1)(e)
        body = page.locator("body").inner_text()
        assert "Autoriteit Persoonsgegevens" in body and "AVG artikel 22" in body  # art. 15(1)(f), (h)
        assert "fg@werkcorporatie.example, 0527 000 000" in body
        browser.close()

    # the PDF, as images
    pdf = out.with_suffix(".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 5_000 for p in pages)
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())  # table cells wrap
    for name in ("UWV Werkbedrijf Emmeloord", "Bakkerij De Vries", "Jobcoach Noord B.V."):
        assert name in text
    assert "Garage Bos" not in text and f"boomgrootte {size}" in text
    # every line the resident reads in the HTML is in the PDF too (cells wrap, and may break a long
    # word, so both are compared without white space; the PDF's font has plain quotes and dashes)
    plain = str.maketrans({"“": '"', "”": '"', "—": "-"})
    pdf_flat = "".join(text.split())
    lines = [p for line in body.translate(plain).splitlines() for p in line.split("\t") if p.strip()]
    missing = [line for line in lines if "".join(line.split()) not in pdf_flat]
    assert not missing, missing

    # at Arnhem: the erased disclosure is said, not denied
    arnhem_out = tmp_path / "rapport" / "arnhem.html"
    asked = cli(
        world,
        "access-report",
        "--subject",
        VALID_BSN,
        "--controller",
        "gemeente-arnhem",
        "--by",
        "medewerker-3",
        "--out",
        str(arnhem_out),
    )
    assert asked.returncode == 0, asked.stderr
    arnhem_text = subprocess.run(
        ["pdftotext", "-raw", str(arnhem_out.with_suffix(".pdf")), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    arnhem_text = " ".join(arnhem_text.split())
    assert (
        "uw gegevens 1 keer aan anderen verstrekt, maar die gegevens zijn inmiddels vernietigd" in arnhem_text
    )
    assert "Wij hebben geen gegevens over u aan anderen verstrekt" not in arnhem_text
    assert "bewaartermijn verstreken: 6 weken na het afbreken van de ondersteuning" in arnhem_text
    assert "termijn verstreken op" in arnhem_text and "gemeente-arnhem#" in arnhem_text
    assert "Bakkerij De Vries" not in arnhem_text and "UWV" not in arnhem_text

    # the bundle verifies offline with the public key alone, through the command and the code
    verifiers = [s.verifier() for s in world.settings.checkpoint_signers()]
    reports = verify_receipts(bundle, verifiers)
    assert len(reports) == len(bundle["receipts"])
    proved = {json.loads(r["body"])["event"]["event_id"] for r in bundle["receipts"]}
    assert {uwv["event_id"], employer["event_id"], jobcoach["event_id"]} <= proved
    assert someone_else["event_id"] not in proved
    assert set(bundle["complete_up_to"]) == {"werkcorporatie"}
    key_file = tmp_path / "key.pub"
    key_file.write_text("\n".join(str(v) for v in verifiers) + "\n")
    checked = cli(world, "verify-receipt", str(out.with_suffix(".receipts.json")), "--key", str(key_file))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"all {len(bundle['receipts'])} receipts hold" in checked.stdout
    # a line changed in the bundle no longer verifies
    bundle["receipts"][0]["body"] = bundle["receipts"][0]["body"].replace(
        "werkcorporatie", "werkcorporatie ", 1
    )
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(bundle))
    assert cli(world, "verify-receipt", str(tampered), "--key", str(key_file)).returncode == 1

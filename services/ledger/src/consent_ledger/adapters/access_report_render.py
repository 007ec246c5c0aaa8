"""The access report as a resident reads it: Dutch HTML (Jinja2, printable) and PDF (fpdf2).
Both are drawn from the same report (app.access_report); the PDF carries the same rows as plain
text. The PDF's built-in font covers Latin-1, which holds Dutch; any other character is shown as
'?' there and in full in the HTML version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..app.access_report import AccessReport, ReportLine
from ..app.rights_model import TrackedRequest
from . import report_nl as words

__all__ = ["render_html", "render_pdf"]

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(words.FILTERS)


def _org(report: AccessReport, chain: str) -> str:
    register = report.registers.get(chain)
    return register.name if register else chain


def _activity_name(report: AccessReport, chain: str, activity: str) -> str:
    register = report.registers.get(chain)
    found = register.activity(activity) if register else None
    if activity == "ledger-beheer":
        return "registratie van verzoeken"
    return found.name if found else activity


def _rule(rule: Any) -> str:
    return f"{words.duration(rule.duration)} {words.nl(words.MILESTONES, rule.milestone)}"


def _destroy(line: ReportLine) -> str:
    d = line.destroy
    if "on" in d:
        return f"{words.day(d['on'])} ({_rule(d['rule'])})"
    if d.get("pending"):
        rules = " of ".join(_rule(r) for r in d["rules"])
        return f"{rules}; die termijn is nog niet begonnen"
    return "het verwerkingsregister noemt geen bewaartermijn"


def _stored_rule(text: str) -> str:
    """'case-ended+P10Y' as stored with an erasure."""
    milestone, _, duration = text.partition("+")
    return f"{words.duration(duration)} {words.nl(words.MILESTONES, milestone)}".strip()


def render_html(report: AccessReport, receipts_name: str, request: TrackedRequest | None = None) -> str:
    return _ENV.get_template("access_report.html").render(
        report=report,
        request=request,
        receipts_name=receipts_name,
        org=lambda c: _org(report, c),
        activity_name=lambda c, a: _activity_name(report, c, a),
        destroy=_destroy,
        rule_nl=_stored_rule,
    )


@dataclass(frozen=True, slots=True)
class _Section:
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    empty: str


def _sections(report: AccessReport) -> list[_Section]:
    f = words.FILTERS
    out = [
        _Section(
            "Aan wie wij uw gegevens hebben verstrekt",
            ("Datum", "Ontvanger", "Gegevens", "Waarom", "Grondslag", "Vernietiging", "Kenmerk"),
            [
                (
                    words.day(line.event["occurred_at"]),
                    f"{d['recipient'].get('name') or d['recipient']['party_id']} "
                    f"({f['recipient_nl'](d['recipient']['category'])})",
                    ", ".join(f["category_nl"](c) for c in d["data_categories"]),
                    f["purpose_nl"](d["purpose"])
                    + (f". Toelichting: {d['details']}" if d.get("details") else ""),
                    f["basis_nl"](d["legal_basis"]["gdpr_article_6_1"])
                    + (
                        f"; {words.statute(d['legal_basis']['statute'])}"
                        if d["legal_basis"].get("statute")
                        else ""
                    ),
                    _destroy(line),
                    f"{line.chain}#{line.seq}",
                )
                for line in report.of("disclosure.")
                for d in [line.data]
            ],
            "Wij hebben geen gegevens over u aan anderen verstrekt.",
        ),
        _Section(
            "Uw toestemmingen",
            ("Datum", "Wat", "Waarvoor", "Bewijs", "Kenmerk"),
            [
                (
                    words.day(line.event["occurred_at"]),
                    f["event_nl"](line.event_type),
                    f["purpose_nl"](line.data["purpose"]),
                    line.data.get("evidence_ref") or line.data.get("notice_version") or "",
                    f"{line.chain}#{line.seq}",
                )
                for line in report.of("consent.")
            ],
            "Er is geen toestemming van u vastgelegd.",
        ),
        _Section(
            "Telefonische verzoeken om inlichtingen over u",
            ("Datum", "Wat", "Besluit", "Kenmerk"),
            [
                (
                    words.day(line.event["occurred_at"]),
                    f["event_nl"](line.event_type),
                    f["word_nl"](line.data.get("decision") or line.data.get("cause") or ""),
                    f"{line.chain}#{line.seq}",
                )
                for line in report.of("phone.")
            ],
            "Niemand heeft telefonisch inlichtingen over u gevraagd.",
        ),
        _Section(
            "Uw verzoeken",
            ("Ontvangen", "Verzoek om", "Uiterlijk beslist", "Besluit"),
            [
                (
                    words.day(r.received_on),
                    f["word_nl"](r.right),
                    words.day(r.due_on),
                    f"{f['word_nl'](r.outcome)} op {words.day(r.decided_at)}"
                    if r.outcome
                    else "nog niet beslist",
                )
                for r in report.requests
            ],
            "Geen.",
        ),
        _Section(
            "Vernietigde gegevens",
            ("Vernietigd op", "Verwerking", "Waarom", "Kenmerk"),
            [
                (
                    words.day(e.erased_at),
                    _activity_name(report, e.chain, e.activity),
                    f["word_nl"](e.cause) + (f": {_stored_rule(e.rule)}" if e.cause == "retention" else ""),
                    f"{e.chain}#{e.seq}",
                )
                for e in report.erased
            ],
            "Er zijn (nog) geen gegevens van u vernietigd.",
        ),
    ]
    return out


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(report: AccessReport, receipts_name: str) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title("Overzicht van uw persoonsgegevens")
    pdf.set_creation_date(report.generated_at)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Overzicht van uw persoonsgegevens", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    orgs = ", ".join(_org(report, c) for c in report.complete_up_to) or "-"
    intro = (
        f"Organisatie: {orgs}. Over de persoon met het burgerservicenummer dat eindigt op "
        f"{report.subject_hint}. Opgesteld op {words.day(report.generated_at)} (AVG artikel 15)."
    )
    pdf.multi_cell(0, 5, _latin1(intro), new_x="LMARGIN", new_y="NEXT")
    for section in _sections(report):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, _latin1(section.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=8)
        if not section.rows:
            pdf.multi_cell(0, 5, _latin1(section.empty), new_x="LMARGIN", new_y="NEXT")
            continue
        with pdf.table(
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)), text_align="LEFT"
        ) as table:
            table.row([_latin1(h) for h in section.headers])
            for row in section.rows:
                table.row([_latin1(cell) for cell in row])
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Zelf controleren", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for chain, size in report.complete_up_to.items():
        org = _org(report, chain)
        line = f"Dit overzicht is volledig tot en met boomgrootte {size} van {org} (keten {chain})."
        pdf.multi_cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    check = (
        f"Controleer de bewijzen in {receipts_name} met: "
        f"consent-ledger verify-receipt {receipts_name} --key <publieke sleutel>"
    )
    pdf.multi_cell(0, 5, _latin1(check), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

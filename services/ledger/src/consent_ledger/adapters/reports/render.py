"""The access report as a resident reads it: Dutch HTML (Jinja2, printable) and PDF (fpdf2), both
drawn from the same sections (adapters.access_report_sections), so the PDF holds every row, note
and paragraph the HTML holds. The PDF's built-in font covers Latin-1, which holds Dutch; any other
character is shown as '?' there and in full in the HTML version."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ...app.access_report import AccessReport
from ...app.rights_model import TrackedRequest
from .sections import Paragraphs, report_facts, report_sections

__all__ = ["render_html", "render_pdf"]

TITLE = "Overzicht van uw persoonsgegevens"
INTRO = (
    "Dit is het overzicht waar u om vroeg op grond van artikel 15 van de Algemene verordening "
    "gegevensbescherming (AVG): welke gegevens over u zijn vastgelegd, aan wie ze zijn verstrekt, "
    "wanneer, waarom en op welke grondslag, en wanneer ze worden vernietigd."
)

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(report: AccessReport, receipts_name: str, request: TrackedRequest | None = None) -> str:
    return _ENV.get_template("access_report.html").render(
        title=TITLE,
        intro=INTRO,
        facts=report_facts(report, request),
        sections=report_sections(report, receipts_name),
    )


_TYPOGRAPHY = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-"})
_NARROW = {
    "Datum",
    "Ontvangen",
    "Vernietigd op",
    "Sinds",
    "Tot",
    "Geldig tot",
    "Uiterlijk beslist",
    "Kenmerk",
}


def _latin1(text: str) -> str:
    """The text in the PDF's font: typographic quotes and dashes as their plain forms, any other
    character outside Latin-1 as '?'."""
    return text.translate(_TYPOGRAPHY).encode("latin-1", "replace").decode("latin-1")


def _line(pdf: FPDF, text: str, size: float = 9, style: str = "") -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def render_pdf(report: AccessReport, receipts_name: str, request: TrackedRequest | None = None) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(TITLE)
    pdf.set_lang("nl")
    pdf.set_creation_date(report.generated_at)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, TITLE, new_x="LMARGIN", new_y="NEXT")
    _line(pdf, INTRO, 10)
    for name, value in report_facts(report, request):
        _line(pdf, f"{name}: {value}", 10)
    for section in report_sections(report, receipts_name):
        pdf.ln(3)
        _line(pdf, section.title, 12, "B")
        if isinstance(section, Paragraphs):
            for text in section.paragraphs:
                _line(pdf, text)
            for item in section.items:
                _line(pdf, f"- {item}")
            continue
        if not section.rows:
            _line(pdf, section.empty, 8)
            continue
        if section.intro:
            _line(pdf, section.intro, 8)
        pdf.set_font("Helvetica", size=8)
        with pdf.table(
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
            text_align="LEFT",
            col_widths=tuple(2 if h in _NARROW else 3 if h == "Kenmerk" else 4 for h in section.headers),
        ) as table:
            table.row([_latin1(h) for h in section.headers])
            for row in section.rows:
                table.row([_latin1("\n".join(cell.lines())) for cell in row])
    return bytes(pdf.output())

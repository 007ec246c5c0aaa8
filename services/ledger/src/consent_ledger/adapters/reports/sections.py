"""The access report's content in Dutch, once: the facts at the top, the tables and the paragraphs
a resident reads, drawn from one report (app.access_report). The HTML and the PDF are both drawn
from these sections (adapters.access_report_render), so neither can hold less than the other.

Besides what the ledger recorded it says what GDPR art. 15(1) asks in every answer: the rights to
rectification, erasure, restriction and objection (e), the complaint to the Autoriteit
Persoonsgegevens (f), the source of the data (g, per disclosure), automated decisions (h), the
art. 9(2) ground of special categories, and how to reach the data protection officer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger_contracts.events import DecisionGround
from ledger_contracts.vocabulary import DataCategory

from ...app.access_report import AccessReport, ReportLine
from ...app.erasure_grounds import ground_source
from ...app.rights_model import TrackedRequest
from . import words

__all__ = ["Cell", "Paragraphs", "Section", "Table", "report_sections", "report_facts"]


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell: its text, then notes beneath it (smaller, in the HTML)."""

    text: str
    notes: tuple[str, ...] = ()
    ref: bool = False  # a ledger reference (chain#seq), set in a fixed-width font

    def lines(self) -> list[str]:
        return [t for t in (self.text, *self.notes) if t]


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]
    empty: str  # said instead of the table when it has no rows
    intro: str = ""  # said above the table when it has rows


@dataclass(frozen=True, slots=True)
class Paragraphs:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # a list after the paragraphs


Section = Table | Paragraphs

ART_9_2 = {
    "a": "uw uitdrukkelijke toestemming",
    "b": "verplichtingen en rechten op het gebied van arbeidsrecht, sociale zekerheid en sociale bescherming",
    "c": "een vitaal belang",
    "d": "de activiteiten van een stichting, vereniging of andere instantie zonder winstoogmerk",
    "e": "gegevens die u zelf openbaar hebt gemaakt",
    "f": "het instellen, uitoefenen of onderbouwen van een rechtsvordering",
    "g": "een zwaarwegend algemeen belang",
    "h": "gezondheidszorg of sociale diensten",
    "i": "de volksgezondheid",
    "j": "archivering, wetenschappelijk of historisch onderzoek of statistiek",
}


def _org(report: AccessReport, chain: str) -> str:
    register = report.registers.get(chain)
    return register.name if register else chain


def _activity_name(report: AccessReport, chain: str, activity: str) -> str:
    if activity == "ledger-beheer":
        return "registratie van verzoeken"
    register = report.registers.get(chain)
    found = register.activity(activity) if register else None
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


def _ref(line: ReportLine, *notes: str) -> Cell:
    return Cell(f"{line.chain}#{line.seq}", notes, ref=True)


def _special_ground(line: ReportLine) -> str:
    """The art. 9(2) ground of the special categories a disclosure holds: the disclosure's own, or
    else the activity's in the register."""
    special = [c for c in line.data.get("data_categories", []) if _is_article_9(c)]
    if not special:
        return ""
    ground = (line.data.get("legal_basis") or {}).get("special_category_ground")
    if ground is None and line.activity is not None and line.activity.special_category_ground:
        ground = line.activity.special_category_ground.model_dump(mode="json")
    names = ", ".join(words.FILTERS["category_nl"](c) for c in special)
    if not ground:
        return f"Bijzondere persoonsgegevens ({names}): het register noemt geen grond (AVG artikel 9 lid 2)"
    letter = str(ground["gdpr_article_9_2"])
    law = f"; {words.statute(ground['statute'])}" if ground.get("statute") else ""
    return (
        f"Bijzondere persoonsgegevens ({names}): AVG artikel 9 lid 2 sub {letter}, "
        f"{ART_9_2.get(letter, letter)}{law}"
    )


def _is_article_9(category: Any) -> bool:
    code = category.get("category") if isinstance(category, dict) else category
    try:
        return DataCategory(str(code)).article_9
    except ValueError:
        return False


def _disclosures(report: AccessReport) -> Table:
    f = words.FILTERS
    rows = []
    for line in report.of("disclosure."):
        d = line.data
        recipient = d["recipient"]
        where = f["recipient_nl"](recipient["category"])
        if recipient.get("country") and recipient["country"] != "NL":
            where += f", {recipient['country']}"
        basis = d["legal_basis"]
        laws = [words.statute(basis[k]) for k in ("statute", "regulation") if basis.get(k)]
        purpose_notes = [line.activity.name] if line.activity else []
        if d.get("details"):
            purpose_notes.append(f"Toelichting: {d['details']}")
        purpose_notes += [
            f"Gecorrigeerd op {words.day(c.at)}: was “{c.before or '-'}”, is “{c.value or 'verwijderd'}”"
            for c in line.corrections
        ]
        rows.append(
            (
                Cell(words.day(line.event["occurred_at"])),
                Cell(
                    recipient.get("name") or recipient["party_id"],
                    (f"{where}; {f['word_nl'](d.get('channel', ''))}",),
                ),
                Cell(", ".join(f["category_nl"](c) for c in d["data_categories"])),
                Cell(f["purpose_nl"](d["purpose"]), tuple(purpose_notes)),
                Cell(f["basis_nl"](basis["gdpr_article_6_1"]), (*laws, _special_ground(line))),
                Cell(", ".join(line.activity.sources) if line.activity and line.activity.sources else "-"),
                Cell(_destroy(line)),
                _ref(line, *(f["violation_nl"](v) for v in line.violations)),
            )
        )
    return Table(
        "Aan wie wij uw gegevens hebben verstrekt",
        ("Datum", "Ontvanger", "Welke gegevens", "Waarom", "Grondslag", "Bron", "Vernietiging", "Kenmerk"),
        rows,
        _no_disclosures(report),
    )


def _no_disclosures(report: AccessReport) -> str:
    """What the report says when no readable disclosure is left: never 'none' when erased entries
    may have held one."""
    counted = [e.disclosures for e in report.erased]
    if not counted:
        return "Wij hebben geen gegevens over u aan anderen verstrekt."
    known = sum(n for n in counted if n)
    if None in counted:
        return (
            "Wij vinden geen verstrekking die nog leesbaar is. Bij de gegevens die wij hebben vernietigd "
            "(zie hieronder) kunnen verstrekkingen zijn geweest; aan wie, kan niemand meer lezen."
        )
    if known:
        return (
            f"Wij hebben uw gegevens {known} keer aan anderen verstrekt, maar die gegevens zijn inmiddels "
            "vernietigd (zie hieronder): aan wie, kan niemand meer lezen, ook wij niet."
        )
    return "Wij hebben geen gegevens over u aan anderen verstrekt."


def _consents(report: AccessReport) -> Table:
    f = words.FILTERS
    rows = []
    for line in report.of("consent."):
        d = line.data
        how = (
            f"{f['word_nl'](d['method'])}, gegeven door {f['word_nl'](d.get('expressed_by', 'self'))}; "
            f"formulierversie {d.get('notice_version', '-')}"
            if d.get("method")
            else ""
        )
        notes = []
        if d.get("evidence_ref"):
            notes.append(f"Bewijs: {d['evidence_ref']}")
        if d.get("form_sha256"):
            notes.append(f"SHA-256 {d['form_sha256']}")
        if d.get("recipient"):
            notes.append(d["recipient"].get("name") or d["recipient"]["party_id"])
        rows.append(
            (
                Cell(words.day(line.event["occurred_at"])),
                Cell(f["event_nl"](line.event_type), (d["reason"],) if d.get("reason") else ()),
                Cell(f["purpose_nl"](d["purpose"])),
                Cell(how, tuple(notes)),
                Cell(words.day(d["valid_until"]) if d.get("valid_until") else "-"),
                _ref(line),
            )
        )
    return Table(
        "Uw toestemmingen",
        ("Datum", "Wat", "Waarvoor", "Hoe en bewijs", "Geldig tot", "Kenmerk"),
        rows,
        "Er is geen toestemming van u vastgelegd.",
    )


def _phone(report: AccessReport) -> Table:
    f = words.FILTERS
    rows = []
    for line in report.of("phone."):
        d = line.data
        if d.get("decision"):
            decision = Cell(f"{f['word_nl'](d['decision'])} ({d.get('reason', '')})", _notes(d))
        else:
            decision = Cell(str(d.get("cause") or ""), _notes(d))
        what = f["event_nl"](line.event_type) + (f" ({d['topic']})" if d.get("topic") else "")
        rows.append(
            (
                Cell(words.day(line.event["occurred_at"])),
                Cell(what),
                Cell(d.get("caller_party_id") or ""),
                decision,
                _ref(line),
            )
        )
    return Table(
        "Telefonische verzoeken om inlichtingen over u",
        ("Datum", "Wat", "Beller", "Besluit", "Kenmerk"),
        rows,
        "Niemand heeft telefonisch inlichtingen over u gevraagd.",
    )


def _notes(d: dict[str, Any]) -> tuple[str, ...]:
    return (d["note"],) if d.get("note") else ()


def _other(report: AccessReport) -> Table:
    f = words.FILTERS
    rows = [
        (
            Cell(words.day(line.event["occurred_at"])),
            Cell(f["event_nl"](line.event_type), (line.data["reason"],) if line.data.get("reason") else ()),
            Cell(line.activity.name if line.activity else line.event["processing_activity"]),
            _ref(line),
        )
        for line in report.of("case.", "complaint.", "contact.")
    ]
    return Table("Andere gebeurtenissen", ("Datum", "Wat", "Verwerking", "Kenmerk"), rows, "Geen.")


def _requests(report: AccessReport) -> Table:
    f = words.FILTERS
    decided = {line.data["request_id"]: line for line in report.of("subject.request-decided")}
    rows = []
    for r in report.requests:
        grounds = []
        line = decided.get(r.request_id)
        for g in line.data.get("grounds", []) if line else []:
            ground = DecisionGround.model_validate(g)
            text = (
                f"{_activity_name(report, ground.controller, ground.activity)}: "
                f"{f['word_nl'](ground.outcome)} — {f['reason_nl'](ground.reason)}"
            )
            if ground.rule and ground.rule.milestone:
                text += f"; {_rule(ground.rule)}"
            if ground.statute:
                text += f"; {words.statute(ground.statute)}"
            source = ground_source(report.registers, ground)
            if source:
                text += f"; termijn volgens {source}"
            if ground.until:
                text += f"; tot {words.day(ground.until)}"
            grounds.append(text)
        outcome = (
            f"{f['word_nl'](r.outcome)} op {words.day(r.decided_at)}" if r.outcome else "nog niet beslist"
        )
        rows.append(
            (
                Cell(words.day(r.received_on)),
                Cell(f["word_nl"](r.right)),
                Cell(words.day(r.due_on)),
                Cell(outcome, tuple(grounds)),
            )
        )
    return Table("Uw verzoeken", ("Ontvangen", "Verzoek om", "Uiterlijk beslist", "Besluit"), rows, "Geen.")


def _erased(report: AccessReport) -> Table:
    f = words.FILTERS
    rows = []
    for e in report.erased:
        why = f["word_nl"](e.cause)
        if e.cause == "retention":
            why += f": {_stored_rule(e.rule)}"
            if e.due_on:
                why += f", termijn verstreken op {words.day(e.due_on)}"
        rows.append(
            (
                Cell(words.day(e.erased_at)),
                Cell(_activity_name(report, e.chain, e.activity)),
                Cell(why),
                Cell(f"{e.chain}#{e.seq}", ref=True),
            )
        )
    return Table(
        "Vernietigde gegevens",
        ("Vernietigd op", "Verwerking", "Waarom", "Kenmerk"),
        rows,
        "Er zijn (nog) geen gegevens van u vernietigd.",
        "Van deze gegevens is de sleutel vernietigd: niemand kan de inhoud nog lezen, ook wij niet.",
    )


def _holds(report: AccessReport) -> Table:
    f = words.FILTERS
    rows = [
        (
            Cell(f["word_nl"](h.kind)),
            Cell(_org(report, h.controller)),
            Cell(words.day(h.placed_at)),
            Cell(words.day(h.until) if h.until else "tot zij wordt opgeheven"),
        )
        for h in report.holds
    ]
    return Table(
        "Beperkingen en bewaarplichten",
        ("Wat", "Bij", "Sinds", "Tot"),
        rows,
        "Er geldt geen beperking en geen bewaarplicht voor een juridische procedure.",
    )


def _rights(report: AccessReport) -> list[Section]:
    org = _org(report, report.controller)
    contact = (
        f"De functionaris gegevensbescherming van {org} bereikt u via: {report.contact}."
        if report.contact
        else f"Met vragen kunt u terecht bij de functionaris gegevensbescherming van {org}."
    )
    return [
        Paragraphs(
            "Uw rechten",
            [
                "Kloppen uw gegevens niet, of wilt u dat wij ze niet meer gebruiken? U kunt ons vragen:",
            ],
            [
                "uw gegevens te corrigeren of aan te vullen (AVG artikel 16);",
                "uw gegevens te verwijderen (AVG artikel 17);",
                "het gebruik van uw gegevens te beperken (AVG artikel 18);",
                "bezwaar te maken tegen het gebruik van uw gegevens voor een taak van algemeen belang "
                "of een gerechtvaardigd belang (AVG artikel 21).",
                "Wij beslissen binnen een maand (AVG artikel 12 lid 3).",
            ],
        ),
        Paragraphs(
            "Een klacht indienen",
            [
                "Bent u het niet eens met hoe wij met uw gegevens omgaan, dan kunt u een klacht indienen "
                "bij de Autoriteit Persoonsgegevens (AVG artikel 77): www.autoriteitpersoonsgegevens.nl.",
            ],
        ),
        Paragraphs(
            "Geautomatiseerde besluiten",
            [
                f"Het verwerkingsregister van {org} noemt geen besluiten over u die uitsluitend "
                "geautomatiseerd worden genomen, ook niet op grond van profilering (AVG artikel 22). "
                "Een besluit over telefonische inlichtingen volgt de regels van het privacyreglement; "
                "een medewerker voert het uit.",
            ],
        ),
        Paragraphs("Vragen", [contact]),
    ]


def _check(report: AccessReport, receipts_name: str) -> Paragraphs:
    return Paragraphs(
        "Zelf controleren",
        [
            "Elke regel hierboven is een vermelding in ons grootboek, met het kenmerk in de laatste "
            f"kolom. Bij dit overzicht hoort het bestand {receipts_name} met voor elke vermelding een "
            "bewijs dat zij is opgenomen in een door ons ondertekende stand van het grootboek.",
            "U of uw advocaat kunt dit controleren zonder onze medewerking: "
            f"consent-ledger verify-receipt {receipts_name} --key <onze publieke sleutel>.",
        ],
        [
            f"Dit overzicht is volledig tot en met boomgrootte {size} van {_org(report, chain)} "
            f"(keten {chain})."
            for chain, size in report.complete_up_to.items()
        ],
    )


def report_facts(report: AccessReport, request: TrackedRequest | None) -> list[tuple[str, str]]:
    """The lines at the top: which organisation, about whom, when, which request."""
    facts = [
        ("Organisatie", _org(report, report.controller)),
        ("Over", f"de persoon met het burgerservicenummer dat eindigt op {report.subject_hint}"),
        ("Opgesteld op", words.day(report.generated_at)),
    ]
    if request is not None:
        facts.append(
            (
                "Uw verzoek",
                f"ontvangen op {words.day(request.received_on)}; wij beslissen uiterlijk op "
                f"{words.day(request.due_on)} ({request.request_id})",
            )
        )
    return facts


def report_sections(report: AccessReport, receipts_name: str) -> list[Section]:
    return [
        _disclosures(report),
        _consents(report),
        _phone(report),
        _other(report),
        _requests(report),
        _erased(report),
        _holds(report),
        *_rights(report),
        _check(report, receipts_name),
    ]

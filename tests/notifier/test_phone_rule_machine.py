"""No sequence of phone requests, callbacks, registry changes, subject changes and overrides makes
a disclosure art. 8 lid 3 does not allow. A Hypothesis state machine drives the real PhoneDesk and
RegistryAdmin on SQLite; beside them it keeps its own model of the registry and the subjects, and an
oracle written from the regulation's text (seed 003) says what each decision must be:

    Het telefonisch verstrekken van inlichtingen over geregistreerden aan derden is niet
    toegestaan, met uitzondering van bij de werkKRACHTcentrale bekende personen van de volgende
    derden [...], tenzij de directie in een concreet geval anders beslist. Indien wordt getwijfeld
    aan de identiteit van de verzoeker [...], dient deze te worden teruggebeld. Voor er wordt
    teruggebeld, wordt het opgegeven telefoonnummer geverifieerd.

The oracle reads nothing of the notifier's: only what the machine itself did to the registry.
Every decision's verdict must equal the oracle's, and the outbox must hold exactly one disclosure
per allow (by the rule, by a confirmed callback, or by a manager's written decision)."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from consent_notifier.app.actors import Actor
from consent_notifier.app.desk import OverrideInput, RequestInput
from consent_notifier.app.errors import Conflict
from consent_notifier.app.ports import SubjectLookup
from consent_notifier.bootstrap import build_notifier
from consent_notifier.config import NotifierSettings
from consent_notifier.core.roles import Role
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from ledger_contracts import parse_event
from prometheus_client import CollectorRegistry

from tests.notifier.test_notifier_store import pending_payloads

EMPLOYEE = Actor("mdw1", frozenset({Role.EMPLOYEE}))
ADMIN = Actor("beheer1", frozenset({Role.ADMINISTRATOR}))
MANAGER = Actor("directeur1", frozenset({Role.MANAGEMENT}))
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CALLBACK_WINDOW = timedelta(minutes=30)

# The five parties and their topics, as art. 8 lid 3 names them; health data (GDPR art. 9) only on
# the topics resting on Wet SUWI, whose ground the processing register gives (art. 9(2)(b)).
TOPICS = {
    "uwv": {"arbeidsongeschiktheidsuitkering", "werkloosheidsuitkering"},
    "uwv-werkbedrijf": {"indiensttreding", "uitdiensttreding"},
    "sociale-dienst": {"indiensttreding", "uitdiensttreding", "activiteitenovereenkomst"},
    "bureau-schuldhulpverlening": {"schuldhulpverlening"},
    "gemeentesecretarie-abjz": {"bezwaarprocedure"},
}
HEALTH_GROUND = {"uwv", "uwv-werkbedrijf"}
ALL_TOPICS = sorted({t for ts in TOPICS.values() for t in ts})
PARTIES = [*sorted(TOPICS), "werkgever-bouwbedrijf"]  # and one party the regulation does not name
PERSONS = {"uwv-jansen": "uwv", "sd-bakker": "sociale-dienst", "shv-visser": "bureau-schuldhulpverlening"}
NUMBERS = ["+31527100001", "+31527100002", "+31527100003"]
OWN_NUMBER = dict(zip(PERSONS, NUMBERS, strict=True))  # verified for each at the start
STRANGER = "+31612345678"
SUBJECTS = ["p1-" + c * 64 for c in "abcd"]
CATEGORIES = [("uitkering",), ("arbeidsgegevens", "naw"), ("gezondheid",), ("bsn", "uitkering")]


@dataclass
class Number:
    number: str
    verified_at: datetime
    valid_until: datetime | None
    revoked_at: datetime | None = None

    def valid(self, at: datetime) -> bool:
        return (
            self.verified_at <= at
            and (self.valid_until is None or at < self.valid_until)
            and (self.revoked_at is None or at < self.revoked_at)
        )


@dataclass
class Model:
    """What the machine did: the registry and the subjects as they stand, with their history."""

    party_until: dict[str, datetime | None] = field(default_factory=dict)
    person_until: dict[str, datetime | None] = field(default_factory=dict)
    numbers: dict[str, list[Number]] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)
    restricted: set[str] = field(default_factory=set)

    def valid_numbers(self, person: str, at: datetime) -> set[str]:
        return {n.number for n in self.numbers.get(person, []) if n.valid(at)}

    def gates(self, req: Asked, at: datetime) -> bool:
        """Everything but doubt: a named party in force and its topic, a registered subject whose
        processing is not restricted, a known person of that party in force with a verified number,
        a given number only when verified, health data only on a topic with its art. 9 ground."""
        party, person = req.party, req.person
        until = self.party_until.get(party)
        return (
            party in TOPICS
            and (until is None or at < until)
            and req.topic in TOPICS[party]
            and req.subject in self.registered
            and req.subject not in self.restricted
            and person is not None
            and PERSONS.get(person) == party
            and (self.person_until.get(person) is None or at < self.person_until[person])  # type: ignore[operator]
            and bool(self.valid_numbers(person, at))
            and (req.given is None or req.given in self.valid_numbers(person, at))
            and (not req.health or party in HEALTH_GROUND)
        )

    def verdict(self, req: Asked, at: datetime) -> str:
        if not self.gates(req, at):
            return "deny"
        doubt = req.calling not in self.valid_numbers(req.person or "", at) or req.special
        return "call-back" if doubt else "allow"


@dataclass
class Asked:
    request_id: str
    subject: str
    party: str
    person: str | None
    calling: str | None
    given: str | None
    topic: str
    categories: tuple[str, ...]
    at: datetime
    verdict: str = ""
    task_id: str | None = None
    callback_number: str | None = None
    allows: int = 0

    @property
    def health(self) -> bool:
        return "gezondheid" in self.categories

    @property
    def special(self) -> bool:
        return "gezondheid" in self.categories or "bsn" in self.categories


@st.composite
def calls(draw: st.DrawFn) -> tuple:
    """Mostly a known person of their own party about one of its topics, so that the interesting
    paths (call back, confirm, registry changes in between) are taken often; sometimes anything."""
    person = draw(st.sampled_from([*PERSONS, None]))
    own = PERSONS.get(person or "")
    party = own if own and draw(st.integers(0, 9)) else draw(st.sampled_from(PARTIES))
    topics = sorted(TOPICS.get(party, ()))
    topic = (
        draw(st.sampled_from(topics))
        if topics and draw(st.integers(0, 9))
        else draw(st.sampled_from(ALL_TOPICS))
    )
    usual = draw(st.integers(0, 9)) < 7
    return (
        draw(st.sampled_from(SUBJECTS[:3] if usual else [*SUBJECTS, "p1-" + "e" * 64])),
        party,
        person,
        draw(st.sampled_from([OWN_NUMBER.get(person or ""), STRANGER]))
        if usual
        else draw(st.sampled_from([*NUMBERS, STRANGER, None])),
        None if usual else draw(st.sampled_from([None, *NUMBERS, STRANGER])),
        topic,
        draw(st.sampled_from(CATEGORIES[:2] if usual else CATEGORIES)),
    )


class Directory:
    """The subject directory as the model says: registered and restricted by the machine's actions."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def lookup(self, subject: str) -> SubjectLookup:
        return SubjectLookup(subject, subject in self.model.registered, subject in self.model.restricted)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def now(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded notifier database, copied for each example."""
    home = tmp_path_factory.mktemp("phone-template")
    url = f"sqlite:///{home / 'notifier.db'}"
    deps = build_notifier(NotifierSettings(database_url=url), home, Directory(Model()), CollectorRegistry())
    deps.admin.seed(ADMIN)
    for person, party in PERSONS.items():
        deps.admin.put_person(person, party, f"Contactpersoon {person}", ADMIN)
    deps.store.engine.dispose()
    return home / "notifier.db"


class PhoneRule(RuleBasedStateMachine):
    template: Path
    workdir: Path

    requests = Bundle("requests")

    def __init__(self) -> None:
        super().__init__()
        db = self.workdir / f"{uuid.uuid4().hex}.db"
        shutil.copy(self.template, db)
        self.model, self.clock = Model(), Clock()
        self.deps = build_notifier(
            NotifierSettings(database_url=f"sqlite:///{db}"),
            self.workdir,
            Directory(self.model),
            CollectorRegistry(),
            self.clock,
        )
        self.asked: dict[str, Asked] = {}
        self.allows = 0

    def teardown(self) -> None:
        self.deps.store.engine.dispose()

    @initialize()
    def start(self) -> None:
        self.model.registered |= set(SUBJECTS[:3])  # the fourth and a fifth are not registered
        for person, number in OWN_NUMBER.items():
            self.verify(person, number, 365, 0)

    # --- the registry ---------------------------------------------------------------------------

    def verify(self, person: str, number: str, days: int, days_ago: int) -> None:
        at = self.clock.at - timedelta(days=days_ago)
        until = at + timedelta(days=days)
        self.deps.admin.verify_number(person, number, ADMIN, until, at)
        self.model.numbers.setdefault(person, []).append(Number(number, at, until))

    @rule(
        person=st.sampled_from(sorted(PERSONS)),
        number=st.sampled_from(NUMBERS),
        days=st.integers(1, 400),
        days_ago=st.sampled_from([0, 0, 0, 30, 500]),
    )
    def verify_number(self, person: str, number: str, days: int, days_ago: int) -> None:
        """Verified now, or imported from earlier: one that has ended counts as expired."""
        self.verify(person, number, days, days_ago)

    @rule(person=st.sampled_from(sorted(PERSONS)), number=st.sampled_from(NUMBERS))
    def revoke_number(self, person: str, number: str) -> None:
        live = [n for n in self.model.numbers.get(person, []) if n.revoked_at is None]
        if not any(n.number == number for n in live):
            return
        self.deps.admin.revoke_number(person, number, ADMIN)
        for n in live:
            if n.number == number:
                n.revoked_at = self.clock.at

    @rule(person=st.sampled_from(sorted(PERSONS)))
    def person_leaves(self, person: str) -> None:
        self.deps.admin.put_person(
            person, PERSONS[person], f"Contactpersoon {person}", ADMIN, None, self.clock.at
        )
        self.model.person_until[person] = self.clock.at

    @rule(party=st.sampled_from(sorted(TOPICS)), designated=st.booleans())
    def party_designation(self, party: str, designated: bool) -> None:
        until = None if designated else self.clock.at
        self.deps.admin.set_party_validity(party, None, until, ADMIN)
        self.model.party_until[party] = until

    # --- the subjects -----------------------------------------------------------------------------

    @rule(subject=st.sampled_from(SUBJECTS))
    def subject_registered(self, subject: str) -> None:
        self.model.registered.add(subject)

    @rule(subject=st.sampled_from(SUBJECTS))
    def subject_erased(self, subject: str) -> None:
        self.model.registered.discard(subject)

    @rule(subject=st.sampled_from(SUBJECTS), restrict=st.booleans())
    def restriction(self, subject: str, restrict: bool) -> None:
        (self.model.restricted.add if restrict else self.model.restricted.discard)(subject)

    # --- time -------------------------------------------------------------------------------------

    @rule(minutes=st.sampled_from([1, 10, 29, 31, 60 * 24]))
    def time_passes(self, minutes: int) -> None:
        self.clock.at += timedelta(minutes=minutes)

    @rule()
    def deadlines_pass(self) -> None:
        for stored in self.deps.desk.expire_due():
            asked = self.asked[stored.request.request_id]
            assert (stored.current.verdict, stored.current.reason) == ("deny", "callback-deadline-passed")
            assert self.clock.at >= asked.at + CALLBACK_WINDOW
            asked.verdict = "deny"

    # --- the phone ------------------------------------------------------------------------------

    @rule(target=requests, call=calls())
    def ask(self, call: tuple) -> str:
        subject, party, person, calling, given, topic, categories = call
        rid = uuid.uuid4().hex
        req = Asked(rid, subject, party, person, calling, given, topic, categories, self.clock.at)
        stored, new = self.deps.desk.submit(
            RequestInput(subject, party, topic, categories, person, calling, given, rid), EMPLOYEE
        )
        assert new
        expected = self.model.verdict(req, req.at)
        assert stored.current.verdict == expected, (stored.current.reason, req)
        req.verdict = expected
        if expected == "allow":
            req.allows += 1
        if expected == "call-back":
            assert stored.task is not None
            req.task_id, req.callback_number = stored.task.task_id, stored.task.number
            valid = self.model.valid_numbers(person or "", req.at)
            assert req.callback_number in valid  # never the calling number unless the registry verified it
            assert given is None or req.callback_number == given
        self.asked[rid] = req
        return rid

    @rule(target=requests, call=calls())
    def ask_again(self, call: tuple) -> str:
        """A second rule that asks: phone requests are most of a working day."""
        return self.ask(call)

    @rule(rid=requests)
    def callback_confirmed(self, rid: str) -> None:
        self.callback(rid, True)

    @rule(rid=requests, confirmed=st.booleans())
    def callback(self, rid: str, confirmed: bool) -> None:
        req = self.asked[rid]
        if req.task_id is None:
            return
        was = req.verdict
        try:
            stored, changed = self.deps.desk.record_callback(
                req.task_id, "confirmed" if confirmed else "failed", EMPLOYEE
            )
        except Conflict:
            assert was in ("allow", "deny", "overridden")  # another outcome was recorded before
            return
        if was != "call-back":
            assert not changed
            return
        now = self.clock.at
        if now >= req.at + CALLBACK_WINDOW or not confirmed:
            expected = "deny"
        else:  # called back on the verified number: allowed only if the registry still allows now
            still = self.model.gates(req, now) and req.callback_number in self.model.valid_numbers(
                req.person or "", now
            )
            expected = "allow" if still else "deny"
        assert changed and stored.current.verdict == expected, (stored.current.reason, req, now)
        req.verdict = expected
        if expected == "allow":
            req.allows += 1

    @rule(rid=requests)
    def manager_decides(self, rid: str) -> None:
        """'tenzij de directie in een concreet geval anders beslist': only a denied request, with
        a written reason; the manager names the recipient's basis and the art. 9 ground."""
        req = self.asked[rid]
        inp = OverrideInput(
            "Besloten na overleg met de casemanager.",
            recipient_category="werkgever" if req.party not in TOPICS else None,
            gdpr_basis="e" if req.party not in TOPICS or req.topic not in TOPICS[req.party] else None,
            gdpr_article_9_2="b",
            art9_statute="Wet SUWI art. 54",
        )
        try:
            stored, changed = self.deps.desk.override(rid, inp, MANAGER)
        except Conflict:
            assert req.verdict in ("allow", "call-back")
            return
        if req.verdict == "deny":
            assert changed and stored.current.verdict == "allow" and stored.current.note
            req.verdict, req.allows = "overridden", req.allows + 1
        else:
            assert not changed

    # --- what went out ----------------------------------------------------------------------------

    @invariant()
    def one_disclosure_per_allow(self) -> None:
        payloads = pending_payloads(self.deps)
        events = [parse_event(p) for p in payloads if "disclosure.recorded" in p]  # CloudEvents, mapped
        disclosures = [e.model_dump(mode="json") for e in events if e.event_type == "disclosure.recorded"]
        assert len(disclosures) == sum(a.allows for a in self.asked.values())
        for d in disclosures:
            basis = d["data"]["legal_basis"]
            if "gezondheid" in d["data"]["data_categories"]:
                assert basis["special_category_ground"]["gdpr_article_9_2"] == "b"
            else:
                assert basis.get("special_category_ground") is None


def test_no_sequence_discloses_what_art_8_lid_3_does_not_allow(template: Path, tmp_path: Path) -> None:
    PhoneRule.template, PhoneRule.workdir = template, tmp_path
    machine = PhoneRule.TestCase
    machine.settings = settings(
        max_examples=100,
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    machine().runTest()

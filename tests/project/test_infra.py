"""What infra/ holds is checked, not only kept: the alert rules pass `promtool check rules` and their
unit tests (`promtool test rules`), and every query of the rules and of the Grafana dashboard names a
metric the services export, with labels that metric has."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from consent_ledger.adapters.broker.guard import StreamGuard
from consent_ledger.adapters.metrics import LedgerMetrics
from consent_ledger.app.checkpoints import SIGNING_REFUSALS
from consent_notifier.adapters.metrics import NotifierMetrics
from ledger_contracts import Refusal
from ledger_contracts.vocabulary import Violation
from prometheus_client import CollectorRegistry

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created")}
PROMETHEUS_OWN = {"up"}  # what Prometheus records of each target itself
METRIC = re.compile(r"\b((?:ledger|notifier)_[a-z0-9_]+|up)\b(?!\s*\()")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def exported() -> dict[str, set[str]]:
    """Every series name the ledger and the notifier export, with the labels of its metric."""
    registry = CollectorRegistry()
    LedgerMetrics(registry).own_api_gauges()
    NotifierMetrics(registry)
    names: dict[str, set[str]] = {}
    for collector in list(registry._collector_to_names):  # noqa: SLF001 - the metrics, not their samples
        family = collector.describe()[0] if hasattr(collector, "describe") else None
        if family is None:
            continue
        labels = set(getattr(collector, "_labelnames", ()))
        for suffix in ("", *SUFFIXES.get(family.type, ())):
            names[family.name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return names


def queries() -> list[tuple[str, str]]:
    """(where, PromQL) of every alert rule and every dashboard panel's target."""
    found = []
    for group in yaml.safe_load((INFRA / "prometheus-rules.yml").read_text())["groups"]:
        found += [(f"rule {r['alert']}", str(r["expr"])) for r in group["rules"]]
    dashboard = json.loads((INFRA / "grafana/consent-ledger.json").read_text())
    for panel in dashboard["panels"]:
        found += [(f"panel {panel['title']!r}", t["expr"]) for t in panel.get("targets", [])]
    return found


def test_the_dashboard_has_panels_with_queries():
    dashboard = json.loads((INFRA / "grafana/consent-ledger.json").read_text())
    targets = [t for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(targets) >= 20
    assert all(t["datasource"]["uid"] == "${datasource}" for t in targets)
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("where", "expr"), queries(), ids=lambda v: v if len(v) < 60 else v[:60])
def test_every_query_names_exported_metrics_and_their_labels(where, expr):
    names = exported()
    used = set(METRIC.findall(re.sub(r'"[^"]*"', '""', expr)))
    assert used, f"{where}: names no metric of the ledger or the notifier: {expr}"
    unknown = sorted(n for n in used if n not in names and n not in PROMETHEUS_OWN)
    assert not unknown, f"{where}: no such metric {unknown} (exported: ledger_* and notifier_* of metrics.py)"
    labels = set().union(*(names.get(n, {"job", "instance"}) for n in used)) | {"job", "instance"}
    for group in GROUPING.findall(expr):
        grouped = {label.strip() for label in group.split(",") if label.strip()}
        assert grouped <= labels, f"{where}: grouped by {sorted(grouped - labels)}, which no metric has"


def test_every_labelled_counter_an_alert_reads_exists_at_zero_from_start_up():
    """`increase()` over a series that first appears at 1 is 0: the first dead letter, Redis loss,
    refused checkpoint or register violation would raise nothing (issue 29 item 1). Each labelled
    counter an alert reads is created at 0 for every label value the code can give it."""
    registry = CollectorRegistry()
    metrics = LedgerMetrics(registry)
    metrics.chains_known(["werkcorporatie"])  # as a process does with the chains it opens
    guarded = {"ledger.events.consent": ("ledger", "notifier"), "ledger.events.phone": ("ledger",)}
    StreamGuard(None, None, metrics, guarded)  # type: ignore[arg-type]  # Redis is not asked here
    expected = {
        "ledger_events_dead_lettered_total": [{"reason": r.value} for r in Refusal],
        "ledger_checkpoints_refused_total": [{"reason": r} for r in SIGNING_REFUSALS],
        "ledger_register_violations_total": [
            {"chain": "werkcorporatie", "reason": v.value} for v in Violation
        ],
        "ledger_broker_groups_recreated_total": [
            {"stream": stream, "group": g} for stream, groups in guarded.items() for g in groups
        ],
    }
    names = exported()
    read_by_alerts = {
        name
        for where, expr in queries()
        if where.startswith("rule ")
        for name in METRIC.findall(expr)
        if name.endswith("_total") and names.get(name)
    }
    assert read_by_alerts == set(expected), "a labelled counter an alert reads, not created at 0 here"
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in registry.collect()
        for s in family.samples
    }
    for name, label_sets in expected.items():
        for labels in label_sets:
            assert samples.get((name, frozenset(labels.items()))) == 0, (name, labels)


def test_gauges_of_serve_are_exported_by_serve_alone():
    """A `consume` replica's 0 for the retention run or the overdue requests would fire
    LedgerRetentionRunStale and silence LedgerSubjectRequestOverdue while `serve` is down."""
    own = ("ledger_retention_last_run_timestamp_seconds", "ledger_subject_requests_overdue")
    replica = LedgerMetrics(CollectorRegistry())
    names = {s.name for family in replica.registry.collect() for s in family.samples}
    assert names and not names & set(own)
    serve = LedgerMetrics(CollectorRegistry())
    serve.own_api_gauges()
    serve.own_api_gauges()  # once only, however often asked
    assert set(own) <= {s.name for family in serve.registry.collect() for s in family.samples}


def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        pytest.fail(
            "promtool is missing: the README's test command (scripts/test) installs it (Debian: prometheus)"
        )
    return found


def test_the_rules_are_valid():
    done = subprocess.run(
        [promtool(), "check", "rules", "prometheus-rules.yml"], cwd=INFRA, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_rules_unit_tests_pass():
    done = subprocess.run(
        [promtool(), "test", "rules", "prometheus-rules.test.yml"], cwd=INFRA, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_every_alert_has_a_unit_test_and_a_section_in_the_operations_guide():
    alerts = {
        r["alert"]
        for g in yaml.safe_load((INFRA / "prometheus-rules.yml").read_text())["groups"]
        for r in g["rules"]
    }
    tested = (INFRA / "prometheus-rules.test.yml").read_text()
    guide = (ROOT / "docs/operations.md").read_text()
    assert not sorted(a for a in alerts if f"alertname: {a}" not in tested), "alerts without a unit test"
    assert not sorted(a for a in alerts if f"`{a}`" not in guide), (
        "alerts docs/operations.md does not explain"
    )


UNITS = ("consent-ledger-consume@.service", "consent-ledger-serve.service", "consent-ledger-notifier.service")


def test_the_systemd_units_verify(tmp_path):
    """`systemd-analyze verify` on each unit, as installed: the program path is this checkout's
    `consent-ledger` script, the environment file optional and the user root (no account here)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not on this machine")
    script = Path(shutil.which("consent-ledger") or "")
    assert script.is_file(), "the consent-ledger script of this checkout"
    for unit in UNITS:
        text = (INFRA / "systemd" / unit).read_text()
        assert "ExecStart=/opt/consent-ledger/.venv/bin/consent-ledger " in text
        text = text.replace("/opt/consent-ledger/.venv/bin/consent-ledger", str(script))
        text = text.replace("EnvironmentFile=/", "EnvironmentFile=-/")
        text = re.sub(r"^(User|Group)=.*$", r"\1=root", text, flags=re.M)
        (tmp_path / unit).write_text(text)
    names = [f"./{u.replace('@.', '@1.')}" for u in UNITS]
    done = subprocess.run(
        [analyze, "verify", "--man=no", *names], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stdout + done.stderr


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_runs_a_command_of_the_product(unit):
    from consent_ledger.cli.table import loaded
    from consent_platform.cli import PRODUCT_COMMANDS

    command = re.search(r"^ExecStart=\S+ (\S+)", (INFRA / "systemd" / unit).read_text(), re.M)
    assert command and command.group(1) in PRODUCT_COMMANDS
    assert loaded(command.group(1), PRODUCT_COMMANDS[command.group(1)]).name == command.group(1)

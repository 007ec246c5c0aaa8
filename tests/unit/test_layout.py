"""The lines the house style draws: core imports no framework; the notifier never imports the ledger,
nor the ledger the notifier (what uses both is composed above them, in services/platform); the
contracts import neither."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = (
    r"(faststream|sqlmodel|sqlalchemy|redis|fastapi|starlette|prometheus_client|pydantic|ledger_contracts)"
)


def imports(path: Path, pattern: str) -> list[str]:
    rx = re.compile(rf"^\s*(from|import)\s+{pattern}\b", re.M)
    return [str(p.relative_to(ROOT)) for p in path.rglob("*.py") if rx.search(p.read_text())]


def test_core_imports_no_framework():
    assert imports(ROOT / "services/ledger/src/consent_ledger/core", FRAMEWORKS) == []


def test_notifier_never_imports_the_ledger():
    assert imports(ROOT / "services/notifier", "consent_ledger") == []


def test_notifier_core_imports_no_framework():
    assert imports(ROOT / "services/notifier/src/consent_notifier/core", FRAMEWORKS) == []


def test_ledger_never_imports_the_notifier():
    assert imports(ROOT / "services/ledger", "consent_notifier") == []


def test_contracts_import_no_service():
    assert imports(ROOT / "contracts", "(consent_ledger|consent_notifier|consent_platform)") == []


def test_no_service_imports_the_platform():
    for service in ("services/ledger", "services/notifier", "contracts"):
        assert imports(ROOT / service, "consent_platform") == []


def test_the_ledger_package_does_not_depend_on_the_notifier():
    import tomllib

    project = tomllib.loads((ROOT / "services/ledger/pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith("consent-notifier")]


def test_the_run_command_installs_no_development_tools():
    """`uv run consent-ledger up --dev` syncs the default groups only: none (pyproject.toml), so the
    development tools (the dev group) are installed by the test command alone."""
    import shutil
    import subprocess
    import tomllib

    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["default-groups"] == []
    uv = shutil.which("uv")
    assert uv, "uv runs the tests (scripts/test installs it)"
    export = [uv, "export", "--no-hashes", "--frozen", "--no-emit-workspace"]
    run = subprocess.run(export, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout
    full = subprocess.run(
        [*export, "--all-groups"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    tools = ("pytest", "playwright", "mypy", "ruff", "schemathesis", "hypothesis")
    assert not [t for t in tools if f"\n{t}==" in run], "the run command would install development tools"
    assert all(f"\n{t}==" in full for t in tools)  # the check sees them where they are

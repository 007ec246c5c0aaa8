"""The lines the house style draws: core imports no framework; the notifier never imports the ledger."""

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

"""The lines the house style draws: core imports no framework; the notifier never imports the ledger,
nor the ledger the notifier (what uses both is composed above them, in services/platform); the
contracts import neither."""

import ast
import re
from pathlib import Path

import pytest

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


# --- the layers inside a service (issue 30): an import graph from the source, TYPE_CHECKING left out

LAYERS = {"core": 0, "rules": 1, "app": 2, "adapters": 3}
SHARED = {"config", "errors", "locations"}  # definitions the adapters may use; they import no adapter
SERVICES = {
    "consent_ledger": ROOT / "services/ledger/src",
    "consent_notifier": ROOT / "services/notifier/src",
}


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if _type_checking(node):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def import_graph(top: str) -> dict[str, set[str]]:
    """Every module of the package and the modules of it that it imports, at its top or in a
    function (a lazy import runs back up as much as any)."""
    src = SERVICES[top]
    modules: dict[str, tuple[Path, bool]] = {}
    for path in (src / top).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(src).with_suffix("").parts)
        package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if package else parts)] = (path, package)
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for module, (path, package) in modules.items():
        here = module.split(".") if package else module.split(".")[:-1]
        for node in _imports(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                target = ".".join([*base, *([node.module] if node.module else [])])
                named = [target, *(f"{target}.{a.name}" for a in node.names)]
            else:
                named = [a.name for a in node.names]
            edges[module] |= {n for n in named if n in modules and n != module}
    return edges


def _part(module: str, depth: int = 1) -> str:
    parts = module.split(".")
    return parts[depth] if len(parts) > depth else ""


@pytest.mark.parametrize("top", sorted(SERVICES))
def test_no_import_runs_back_up(top):
    """core < rules < app < adapters < the composition root (bootstrap, runner, the commands);
    the adapters may use the shared definitions (config, errors, locations), which import none."""
    upward = []
    for module, targets in import_graph(top).items():
        layer = LAYERS.get(_part(module))
        for target in targets:
            to = _part(target)
            if layer is None:
                if _part(module) in SHARED and to not in LAYERS | dict.fromkeys(SHARED, 0):
                    upward.append((module, target))
                continue
            if to in SHARED and layer == LAYERS["adapters"]:
                continue
            if LAYERS.get(to, 99) > layer:
                upward.append((module, target))
    assert upward == []


@pytest.mark.parametrize("top", sorted(SERVICES))
def test_the_database_and_report_adapters_import_no_other_adapter(top):
    """sql/ is the bottom of the adapters and reports/ renders only: neither reaches the broker,
    HTTP or the chores."""
    bottom = {"sql", "reports"}
    across = [
        (m, t)
        for m, targets in import_graph(top).items()
        if _part(m) == "adapters" and _part(m, 2) in bottom
        for t in targets
        if _part(t) == "adapters" and _part(t, 2) != _part(m, 2)
    ]
    assert across == []


@pytest.mark.parametrize("top", sorted(SERVICES))
def test_no_circle_of_imports(top):
    edges = import_graph(top)
    seen: dict[str, int] = {}  # 1: on the path, 2: done
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        seen[module] = 1
        for target in sorted(edges[module]):
            if seen.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target not in seen:
                visit(target, [*path, target])
        seen[module] = 2

    for module in sorted(edges):
        if module not in seen:
            visit(module, [module])
    assert circles == []


def test_the_graph_sees_imports():
    """The checks above look at something: the consumer imports the ingest use case, lazily or not."""
    edges = import_graph("consent_ledger")
    assert "consent_ledger.app.ingest" in edges["consent_ledger.adapters.broker.consumer"]
    assert len(edges) > 100


def test_the_http_app_is_built_only_by_the_composition_root():
    """The commands, the processes, the tests and the benchmarks get the ledger's HTTP app from
    bootstrap/api.py (issue 30 item 5): nobody else assembles it from its parts."""
    allowed = {"services/ledger/src/consent_ledger/bootstrap/api.py"}
    builders = {"HttpDeps", "create_app"}
    found = []
    for folder in ("services", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            where = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in builders:
                    found.append(where)
    assert set(found) == allowed

"""The command table (consent_ledger/cli/table.py, consent_platform/cli.py) is the command line:
every command it names loads from its module and says there what the table says; every command a
module defines is in the table; `--help` lists them all without importing a command's module; and
the commands are top-level functions, not closures inside a `register`."""

import ast
import json
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
import typer
from consent_ledger.cli.table import LEDGER_COMMANDS, loaded, summary
from consent_platform.cli import PRODUCT_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "services/ledger/src/consent_ledger/cli"


@pytest.mark.parametrize("name", sorted(PRODUCT_COMMANDS))
def test_each_command_loads_and_says_what_the_table_says(name):
    entry = PRODUCT_COMMANDS[name]
    command = loaded(name, entry)
    assert command.name == name
    assert entry.help == summary(command.help), f"the table's line for {name} is not its help's"


def test_every_command_of_a_module_is_in_the_table():
    modules = {e.module for e in PRODUCT_COMMANDS.values()}
    defined = set()
    for module in modules:
        defined |= set(typer.main.get_group(import_module(module).commands).commands)
    assert defined == set(PRODUCT_COMMANDS)
    assert set(LEDGER_COMMANDS) <= set(PRODUCT_COMMANDS)


def test_help_lists_every_command_and_loads_none():
    run = (
        "import json, sys\n"
        "sys.argv = ['consent-ledger', '--help']\n"
        "from consent_platform.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, timeout=60)
    listed = {line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line[:3].strip()}
    assert listed == set(PRODUCT_COMMANDS)
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    commands = {e.module for e in PRODUCT_COMMANDS.values()}
    assert modules & commands == set()


def test_the_commands_are_top_level_functions():
    closures = []
    for path in CLI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(node) if n is not node and isinstance(n, ast.FunctionDef)]
                closures += [f"{path.name}:{node.name}.{n.name}" for n in inner if n.decorator_list]
    assert closures == []
    assert not (ROOT / "services/ledger/src/consent_ledger/cli.py").exists()
    assert sorted(p.name for p in (ROOT / "services/ledger/src/consent_ledger").glob("cli_*.py")) == []

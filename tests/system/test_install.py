"""The lock and the install (issue 29 item 4). requirements/service.txt holds every package the
services install, with its hashes and no index's address; the tests run on exactly those versions;
and the install and upgrade commands of docs/operations.md, run as written on a fresh clone, install
those and nothing else, and give a working `consent-ledger`."""

from __future__ import annotations

import json
import os
import re
import subprocess
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements/service.txt"
OPERATIONS = ROOT / "docs/operations.md"
WORKSPACE = {"ledger-contracts", "consent-ledger", "consent-notifier", "consent-platform"}
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$")


def locked() -> dict[str, str]:
    """name -> version of every package the lock installs on this Python and platform."""
    out = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        found = _PIN.match(line)
        if found and (found["marker"] is None or Marker(found["marker"]).evaluate()):
            out[canonicalize_name(found["name"])] = found["version"]
    return out


def test_the_lock_names_no_index_and_pins_with_hashes():
    text = LOCK.read_text(encoding="utf-8")
    assert "://" not in text and "--index" not in text and "-e " not in text
    pins = [line for line in text.splitlines() if "==" in line]
    assert len(pins) > 40 and all(line.endswith("\\") for line in pins)  # each followed by hashes
    assert text.count("--hash=sha256:") >= len(pins)


def test_the_tests_run_on_the_lock():
    """Every locked package is installed here at its locked version: what the tests pass on is the
    lock (a pin changed without `scripts/lock` fails here)."""
    lock = locked()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in distributions()}
    assert {name: installed.get(name) for name in lock} == lock


def _documented(section: str, contains: str) -> str:
    """The command of docs/operations.md's `section` that contains `contains`, as written."""
    text = OPERATIONS.read_text(encoding="utf-8").split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    candidates = [line.strip() for line in text.splitlines() if line.startswith("    ")]
    candidates += re.findall(r"`([^`]+)`", text)
    found = [c for c in candidates if contains in c]
    assert found, f"no command with {contains!r} under {section}"
    return found[0]


def _host_shell() -> dict[str, str]:
    """The environment of an administrator's shell: without the test run's virtual environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    venv = str(ROOT / ".venv")
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(venv))
    return env


def _run(command: str, where: Path) -> None:
    done = subprocess.run(
        ["bash", "-c", command], cwd=where, env=_host_shell(), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])


def _installed_in(where: Path) -> dict[str, str]:
    program = (
        "import json, importlib.metadata as m;"
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    done = subprocess.run(
        [str(where / ".venv/bin/python"), "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return {canonicalize_name(k): v for k, v in json.loads(done.stdout).items()}


def _works(where: Path) -> None:
    done = subprocess.run(
        [str(where / ".venv/bin/consent-ledger"), "verify", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "--checkpoint" in done.stdout, done.stderr
    installed = _installed_in(where)
    assert set(installed) == set(locked()) | WORKSPACE  # the lock and the release, nothing else
    assert {n: installed[n] for n in locked()} == locked()


def test_install_and_upgrade_as_documented_on_a_fresh_clone(tmp_path):
    clone = tmp_path / "consent-ledger"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    _run(_documented("Topology", "scripts/install"), clone)
    _works(clone)

    # a release behind: the documented upgrade brings the checkout and its packages to the newest
    newest = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True)
    subprocess.run(["git", "-C", str(clone), "reset", "-q", "--hard", "HEAD~1"], check=True)
    _run(_documented("Upgrades", "git pull"), clone)
    now = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert now.stdout == newest.stdout
    _works(clone)

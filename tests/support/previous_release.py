"""The previous release, taken from the repository's history (the commit CHANGELOG.md names for
it), run in processes of its own beside this release: its contracts and demo scenario, and its
commands (`consume`, `producers add`) on this machine's libraries (the releases pin the same)."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ledger", "notifier", "platform")
SOURCES = tuple(f"services/{n}/src" for n in SERVICES)

# In the previous release's process: read bodies (JSON lines) on stdin and parse each with its
# contracts, or make its own demo scenario and print the stream entries it would publish (signed
# with the test producers' key when a seed is given).
_PREVIOUS = """
import json, sys
import ledger_contracts
from ledger_contracts import EventRefused, encode_event, parse_event
from ledger_contracts.signing import ProducerSigner
assert ledger_contracts.__file__.startswith(sys.argv[1]), ledger_contracts.__file__
if sys.argv[2] == "parse":
    for line in sys.stdin:
        try:
            parse_event(json.loads(line).encode())
            print("taken")
        except EventRefused as exc:
            print(f"refused {exc.reason}: {str(exc)[:300]}")
else:
    sys.path.insert(0, sys.argv[3])
    from demo import demo_events
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 29
    signer = ProducerSigner.from_seed(bytes(range(32))) if len(sys.argv) > 4 else None
    for event in demo_events(subjects=8, seed=seed):
        for cloud in (None, "oin:00000001234567890000"):
            stream, fields = encode_event(event, signer, organisation=cloud)
            print(json.dumps({"stream": stream, **{k: v.decode() for k, v in fields.items()}}))
"""


def previous_release() -> str:
    found = re.search(r"^## (\S+) \(commit ([0-9a-f]{7,40})\)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert found, "CHANGELOG.md names the previous release's commit"
    return found.group(2)


def _tree(commit: str, where: Path) -> tuple[Path, Path]:
    """The previous release's source from git (contracts and the three services' packages):
    (contracts/src, the demo module's folder). Taken once per folder."""
    if (where / "contracts/src").is_dir():
        return where / "contracts/src", where / "services/platform/src/consent_platform"
    archive = subprocess.run(
        [
            "git",
            "-C",
            str(ROOT),
            "archive",
            commit,
            "contracts/src",
            *(f"services/{n}/src" for n in SERVICES),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(where, filter="data")
    return where / "contracts/src", where / "services/platform/src/consent_platform"


def previous(where: Path, mode: str, *extra: str, stdin: str = "") -> list[str]:
    """What the previous release's contracts say (`parse`) or publish (`publish [seed]`)."""
    contracts, demo = _tree(previous_release(), where)
    done = subprocess.run(
        [sys.executable, "-c", _PREVIOUS, str(contracts), mode, str(demo), *extra],
        input=stdin,
        env={"PYTHONPATH": str(contracts), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines()


# A command of the previous release: its own packages ahead of this checkout's on the path.
_COMMAND = """
import runpy, sys
import consent_ledger, consent_platform, ledger_contracts
root, module = sys.argv.pop(1), sys.argv.pop(1)
for package in (consent_ledger, consent_platform, ledger_contracts):
    assert package.__file__.startswith(root), package.__file__
sys.argv[0] = module
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def previous_command(
    where: Path, module: str, *argv: str, env: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """The argv that runs `python -m module argv…` as the previous release (its tree under `where`)
    and the environment it needs."""
    _tree(previous_release(), where)
    path = [str(where / "contracts/src"), *(str(where / f"services/{s}/src") for s in SERVICES)]
    command = [sys.executable, "-c", _COMMAND, str(where), module, *argv]
    return command, {**env, "PYTHONPATH": ":".join(path)}

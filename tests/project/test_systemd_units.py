"""The systemd units and the environment example agree (issue 29 item 3): every path a service
writes, as the example sets it, lies in a directory its unit makes writable under
`ProtectSystem=strict` and creates (a `StateDirectory=`, owned by the service's user); and each unit
scores "OK" or better in `systemd-analyze security`, the score docs/operations.md gives."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest
from consent_ledger.config import Settings

INFRA = Path(__file__).resolve().parents[2] / "infra/systemd"
SERVE, CONSUME, NOTIFIER = (
    "consent-ledger-serve.service",
    "consent-ledger-consume@.service",
    "consent-ledger-notifier.service",
)
# what each process writes, by the setting that names it (a directory, or a file in one)
WRITES = {
    SERVE: ("LEDGER_HOME", "LEDGER_ERASURE_JOURNAL"),  # erasures and the retention run are serve's
    CONSUME: ("LEDGER_HOME",),
    NOTIFIER: ("LEDGER_HOME",),
}
READ_ONLY_PATHS = {"register_dir"}  # read, never written
MOST_EXPOSED = 2.0  # "OK" in systemd-analyze security


def environment_example() -> dict[str, str]:
    out = {}
    for line in (INFRA / "ledger.env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key] = value.strip("'\"")
    return out


def writable(unit: str) -> list[PurePosixPath]:
    """The directories the unit's sandbox lets the service write: its state directories, and any
    ReadWritePaths= (PrivateTmp's /tmp is its own and gone at stop: no place for the ledger's data)."""
    text = (INFRA / unit).read_text(encoding="utf-8")
    found = [
        PurePosixPath("/var/lib", d)
        for v in re.findall(r"^StateDirectory=(.*)$", text, re.M)
        for d in v.split()
    ]
    found += [
        PurePosixPath(d.lstrip("-"))
        for v in re.findall(r"^ReadWritePaths=(.*)$", text, re.M)
        for d in v.split()
    ]
    assert "ProtectSystem=strict" in text  # everything else is read-only
    return found


def test_every_path_settings_can_write_is_classified():
    paths = {name for name, field in Settings.model_fields.items() if "Path" in str(field.annotation)}
    written = {key.removeprefix("LEDGER_").lower() for keys in WRITES.values() for key in keys}
    assert paths - READ_ONLY_PATHS == written, "a path setting that no unit is checked to be able to write"


@pytest.mark.parametrize("unit", list(WRITES))
def test_what_a_service_writes_its_unit_lets_it_write(unit):
    env = environment_example()
    dirs = writable(unit)
    for key in WRITES[unit]:
        assert key in env, f"{key} is not in the environment example"
        path = PurePosixPath(env[key])
        place = path if key == "LEDGER_HOME" else path.parent
        assert any(place == d or d in place.parents for d in dirs), (
            f"{unit}: {key}={env[key]} is outside its writable directories {[str(d) for d in dirs]}"
        )


@pytest.mark.parametrize("unit", list(WRITES))
def test_each_unit_is_sandboxed_to_ok_or_better(unit, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not on this machine")
    (tmp_path / unit).write_text((INFRA / unit).read_text(encoding="utf-8"))
    name = unit.replace("@.", "@1.")
    if name != unit:
        (tmp_path / name).symlink_to(tmp_path / unit)
    done = subprocess.run(
        [analyze, "security", "--offline=true", "--no-pager", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    score = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", done.stdout)
    assert score, done.stdout + done.stderr
    assert float(score.group(1)) <= MOST_EXPOSED, f"{unit}: {score.group(1)} {score.group(2)}"
    documented = (INFRA.parents[1] / "docs/operations.md").read_text(encoding="utf-8")
    assert f"{score.group(1)} {score.group(2)}" in documented, "the score docs/operations.md gives"

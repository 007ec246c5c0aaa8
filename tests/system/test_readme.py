"""The README's first steps print what the README says they print: `up --dev`, `demo`, `verify` and
/health, through the product's command, with its figures (events per type, entries per chain)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx

from tests.conftest import wait_until
from tests.system.test_cli import CLI

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _said(pattern: str) -> str:
    found = re.search(pattern, README, flags=re.S)
    assert found, f"the README lost {pattern!r}"
    return " ".join(found.group(1).split())


def _masked(output: str) -> list[str]:
    return [re.sub(r"head [0-9a-f]{64}", "head …", line) for line in output.splitlines() if line.strip()]


def test_the_readme_prints_what_the_commands_print(up):
    env, base = up
    published = _said(r"`demo` prints `(published .*?)`\.")
    verify_block = re.search(r"\n((?:    intact  chain .*\n)+)", README)
    assert verify_block, "the README lost the output of verify"
    expected = [line.strip() for line in verify_block.group(1).splitlines()]

    demo = subprocess.run(CLI + ["demo"], env=env, capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    assert " ".join(demo.stdout.split()) == published

    seen: list[str] = []
    printed: list[str] = []

    def verified() -> bool:
        done = subprocess.run(CLI + ["verify"], env=env, capture_output=True, text=True, timeout=120)
        printed[:] = done.stdout.splitlines()
        seen[:] = [line for line in _masked(done.stdout) if not line.startswith("unsigned")]
        return done.returncode == 0 and seen == expected

    try:
        wait_until(verified, timeout=60, what="verify to print the README's lines")
    except BaseException:
        assert seen == expected  # the difference, line by line
        raise
    # piped, as here, no line is wrapped: each head is whole on its chain's line
    assert all(re.search(r"head [0-9a-f]{64}$", line) for line in printed if line.startswith("intact"))
    assert httpx.get(f"{base}/health").json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert '{"status":"ok","database":"ok","broker":"ok"}' in README

"""Writes docs/configuration.md from the settings themselves (consent_ledger.config.Settings and its
consumer settings, consent_notifier.config.NotifierSettings): each environment variable, its
default and its description. `--check` exits 1 when the file differs from what the settings say
(tests/project/test_configuration.py runs it).

    uv run python scripts/configuration.py [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from consent_ledger.config import ConsumerSettings, Settings
from consent_notifier.config import NotifierSettings
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

DOC = Path(__file__).resolve().parents[1] / "docs/configuration.md"
INTERNAL = {"create_ledger", "consumer"}  # not set by an operator; the consumer's are listed apart

HEAD = """# Configuration

Every setting is an environment variable (in a deployment, in the environment file the systemd
units read: `infra/ledger.env.example`). This page is written from the settings themselves by
`uv run python scripts/configuration.py`; `tests/project/test_configuration.py` fails when the two
drift. Keys are given as hex or base64; make one with
`python3 -c "import secrets; print(secrets.token_hex(32))"`.
"""

OTHER = (
    "## Other variables\n\n| variable | default | meaning |\n|---|---|---|\n"
    "| `LOG_FORMAT` | `text` | `json`: every process writes one JSON object per line (time, level, "
    "process, request and client id, route, status, duration), uvicorn's lines included |\n"
)


def _default(field: Any) -> str:
    value = field.default_factory() if field.default_factory is not None else field.default
    if value is None or value is PydanticUndefined:
        return "none"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, dict | list):
        return f"`{json.dumps(value)}`" if len(json.dumps(value)) < 40 else "see its meaning"
    text = str(value).replace(str(os.getpid()), "<pid>")  # a replica's name
    return f"`{text}`" if text else "empty"


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        if name in INTERNAL:
            continue
        meaning = " ".join((field.description or "").split()).replace("|", "\\|")
        rows.append(f"| `{prefix}{name.upper()}` | {_default(field)} | {meaning} |")
    return rows


def document() -> str:
    table = "| variable | default | meaning |\n|---|---|---|\n"
    parts = [
        HEAD,
        "## The ledger (`LEDGER_`)\n\n" + table + "\n".join(_rows(Settings, "LEDGER_")) + "\n",
        "## Each consumer replica (`LEDGER_CONSUMER__`)\n\n"
        + table
        + "\n".join(_rows(ConsumerSettings, "LEDGER_CONSUMER__"))
        + "\n",
        "## The notifier (`NOTIFIER_`)\n\n" + table + "\n".join(_rows(NotifierSettings, "NOTIFIER_")) + "\n",
        OTHER,
    ]
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/configuration.md differs")
    args = parser.parse_args()
    text = document()
    if args.check:
        if not DOC.is_file() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is not what the settings say: run scripts/configuration.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

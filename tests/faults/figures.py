"""What the fault suite measured, printed at the end of the run (tests/conftest.py) and by
`bench/faults.py`. FAULTS_SCALE=long (bench/faults.py --long) runs each fault more often."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["LONG", "figures", "report", "scaled"]

LONG = os.environ.get("FAULTS_SCALE") == "long"
_FILE = os.environ.get("FAULTS_FIGURES")  # bench/faults.py reads them from here
figures: list[tuple[str, dict[str, object]]] = []


def scaled(short: int, long: int) -> int:
    return long if LONG else short


def report(fault: str, **measured: object) -> None:
    figures.append((fault, measured))
    if _FILE:
        with Path(_FILE).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"fault": fault, **measured}) + "\n")

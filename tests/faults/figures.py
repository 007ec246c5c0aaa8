"""What the fault suite measured, printed at the end of the run (tests/conftest.py) and by
`bench/faults.py`. FAULTS_SCALE=long (bench/faults.py --long) runs each fault more often."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["LONG", "figures", "report", "scaled", "tally"]

LONG = os.environ.get("FAULTS_SCALE") == "long"
_FILE = os.environ.get("FAULTS_FIGURES")  # bench/faults.py reads them from here
figures: dict[str, dict[str, object]] = {}


def scaled(short: int, long: int) -> int:
    return long if LONG else short


def report(fault: str, **measured: object) -> None:
    figures[fault] = measured
    if _FILE:
        with Path(_FILE).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"fault": fault, **measured}) + "\n")


def tally(fault: str, seconds: float) -> None:
    """One more case of a fault measured many times (a fuzz): how many, and the slowest."""
    seen = figures.setdefault(fault, {"cases": 0, "slowest_s": 0.0})
    seen["cases"] = int(seen["cases"]) + 1  # type: ignore[call-overload]
    seen["slowest_s"] = round(max(float(seen["slowest_s"]), seconds), 3)  # type: ignore[arg-type]
    if _FILE:
        with Path(_FILE).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"fault": fault, **seen}) + "\n")

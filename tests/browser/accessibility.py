"""WCAG 2.1 AA checks with axe-core (vendored, tests/browser/vendor/axe-core) in the real page.
The script is evaluated through the browser's debugging protocol, so the page's own CSP (no
script at all) stays in force while it is checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["assert_accessible"]

AXE = (Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )
    return result["violations"]  # type: ignore[no-any-return]


def assert_accessible(page: Any, state: str, checked: list[str] | None = None) -> None:
    """No WCAG 2.1 A/AA violation on the page as it is now; `state` names it in the failure."""
    found = violations(page)
    if checked is not None:
        checked.append(state)
    summary = [
        {"rule": v["id"], "impact": v["impact"], "nodes": [n["html"][:160] for n in v["nodes"][:3]]}
        for v in found
    ]
    assert not found, (
        f"axe-core on {state} ({page.url}):\n{json.dumps(summary, indent=2, ensure_ascii=False)}"
    )

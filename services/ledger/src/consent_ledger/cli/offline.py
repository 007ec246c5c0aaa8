"""The auditor's offline checks: `verify-receipt` (a receipt or an access report's bundle) and
`verify-consistency` (one signed tree extends another). Files and the public key only. Exit 0
holds, 1 does not hold, 2 usage error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageRefused
from .keys import KeyOption, parse_keys
from .output import out

__all__ = ["commands"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


commands = typer.Typer(rich_markup_mode=None)


@commands.command("verify-receipt")
def verify_receipt_cmd(file: Path, key: KeyOption) -> None:
    """Check a receipt, or an access report's bundle of receipts, offline: each entry is in the
    tree the key signed. Exit 0 holds, 1 not."""
    from ..core.audit import RECEIPTS_FORMAT, AuditError, verify_receipt, verify_receipts

    keys = parse_keys(key)
    try:
        receipt_doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageRefused(f"{file}: {exc}") from None
    bundle = isinstance(receipt_doc, dict) and receipt_doc.get("format") == RECEIPTS_FORMAT
    try:
        reports = verify_receipts(receipt_doc, keys) if bundle else [verify_receipt(receipt_doc, keys)]
    except AuditError as exc:
        out.print(f"FAILED  receipt {file}: {exc.reason}: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    for report in reports:
        event = report.entry.get("event") or {}
        what = event.get("event_type", report.entry.get("kind"))
        out.print(
            f"holds   entry {report.seq} of chain {report.chain!r} ({what}, "
            f"recorded {report.entry.get('recorded_at')}) is in the tree of size "
            f"{report.checkpoint.size} signed by {', '.join(report.signed_by)}"
        )
    if bundle:
        sizes = ", ".join(f"{c} up to size {n}" for c, n in receipt_doc["complete_up_to"].items())
        out.print(f"all {len(reports)} receipts hold; the bundle says it is complete for {sizes}")


@commands.command("verify-consistency")
def verify_consistency_cmd(
    proof_file: Annotated[Path, typer.Argument(help="JSON from `prove consistency` or …/proofs/consistency")],
    old: Annotated[Path, typer.Option(help="The older signed checkpoint")],
    new: Annotated[Path, typer.Option(help="The newer signed checkpoint")],
    key: KeyOption,
) -> None:
    """Check offline that the newer checkpoint's tree extends the older one's. Exit 0 holds, 1 not."""
    from ..core.merkle import ProofError, verify_consistency
    from ..core.notes import NoteError, open_checkpoint

    keys = parse_keys(key)
    try:
        doc = json.loads(proof_file.read_text(encoding="utf-8"))
        hashes = [bytes.fromhex(h) for h in doc["proof"]]
        before = open_checkpoint(old.read_text(encoding="utf-8"), keys)[0]
        after = open_checkpoint(new.read_text(encoding="utf-8"), keys)[0]
    except NoteError as exc:
        out.print(f"FAILED  a checkpoint: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageRefused(str(exc)) from None
    if before.origin != after.origin or (doc.get("old"), doc.get("new")) != (before.size, after.size):
        out.print(
            f"FAILED  the proof is for {doc.get('old')} -> {doc.get('new')}, the checkpoints are "
            f"{before.origin} {before.size} -> {after.origin} {after.size}"
        )
        raise typer.Exit(EXIT_FAILED)
    try:
        verify_consistency(before.size, after.size, before.root_hash, after.root_hash, hashes)
    except ProofError as exc:
        out.print(f"FAILED  {before.size} -> {after.size}: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    out.print(f"holds   {after.origin}: the tree of size {after.size} extends the one of size {before.size}")

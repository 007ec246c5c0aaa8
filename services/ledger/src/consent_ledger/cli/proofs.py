"""The commands that read the ledger's tree: `checkpoint` (sign now), `prove inclusion|consistency`
and `receipt`. Exit codes: 0 done, 1 refused, 2 usage error."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..adapters.sql.tree import SqlTreeStore
from ..app.checkpoints import CheckpointRefused, Checkpoints
from ..bootstrap.privacy import build_checkpoints
from ..bootstrap.store import build_store
from .context import command_settings, refused
from .output import out

__all__ = ["commands"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


commands = typer.Typer(rich_markup_mode=None)

prove_app = typer.Typer(no_args_is_help=True, help="Inclusion and consistency proofs (RFC 9162)")
commands.add_typer(prove_app, name="prove")


def _checkpoints(sign: bool = False):  # type: ignore[no-untyped-def]
    """Proofs and receipts need no key; signing does (refused without one outside dev)."""

    s = command_settings()
    store = build_store(s)
    return build_checkpoints(s, store) if sign else Checkpoints(SqlTreeStore(store), [], s.log_origin)


def _refused(exc: Exception) -> typer.Exit:
    return refused(str(exc), EXIT_FAILED)


@commands.command()
def checkpoint(chain: Annotated[str | None, typer.Option(help="Only this chain")] = None) -> None:
    """Sign a checkpoint now of every chain that grew, and print each chain's current one."""

    cps = _checkpoints(sign=True)
    try:
        for stored in cps.issue(chain):  # each note exactly as signed: saved, they verify as is
            sys.stdout.write(cps.note(stored.chain, stored.size))
    except CheckpointRefused as exc:
        raise _refused(exc) from None


@prove_app.command("inclusion")
def prove_inclusion(
    chain: str,
    index: int,
    size: Annotated[int | None, typer.Option(help="Default: latest checkpoint")] = None,
) -> None:
    """PATH(index, D[size]) as JSON (hex hashes)."""

    try:
        n, proof = _checkpoints().inclusion(chain, index, size)
    except CheckpointRefused as exc:
        raise _refused(exc) from None
    print(json.dumps({"chain": chain, "index": index, "size": n, "proof": [h.hex() for h in proof]}))


@prove_app.command("consistency")
def prove_consistency(
    chain: str,
    old: int,
    new: Annotated[int | None, typer.Option(help="Default: latest checkpoint")] = None,
) -> None:
    """PROOF(old, D[new]) as JSON (hex hashes)."""

    try:
        n, proof = _checkpoints().consistency(chain, old, new)
    except CheckpointRefused as exc:
        raise _refused(exc) from None
    print(json.dumps({"chain": chain, "old": old, "new": n, "proof": [h.hex() for h in proof]}))


@commands.command()
def receipt(
    chain: str,
    seq: int,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout")] = None,
) -> None:
    """Entry `seq` with its inclusion proof and signed checkpoint, for `verify-receipt`."""

    try:
        doc = _checkpoints().receipt(chain, seq)
    except CheckpointRefused as exc:
        raise _refused(exc) from None
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
        out.print(f"receipt for entry {seq} of {chain!r} written to {output}")
    else:
        print(text, end="")

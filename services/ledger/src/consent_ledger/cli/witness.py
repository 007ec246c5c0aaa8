"""`witness`, run by an auditor, and the checkpoints an auditor keeps (the state `verify
--checkpoint` and `witness` read and write). Exit 0 cosigned, 1 the ledger rewrote or rolled
back its history (nothing cosigned), 2 usage error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageRefused
from .keys import parse_keys, text_or_file
from .output import err, out

__all__ = ["load_state", "commands", "save_state"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
STATE_FORMAT = "consent-ledger-checkpoints/v1"


def load_state(path: Path) -> tuple[dict[str, str], bool]:
    """The checkpoints an auditor saved: one signed note (as fetched), or a JSON map of chain to
    note written by `verify --checkpoint`. Returns them and whether the file held one note."""
    from ..core.audit import chain_of_origin
    from ..core.notes import Checkpoint, SignedNote, split_notes

    if not path.exists():
        return {}, True
    text = path.read_text(encoding="utf-8")
    try:
        if text.lstrip().startswith("{"):
            doc = json.loads(text)
            if doc.get("format") != STATE_FORMAT:
                raise ValueError(f"not a {STATE_FORMAT} file")
            return {str(k): str(v) for k, v in doc["checkpoints"].items()}, False
        notes = split_notes(text)  # one note as fetched, or several as `checkpoint` prints them
        found = {chain_of_origin(Checkpoint.parse(SignedNote.parse(n).text).origin): n for n in notes}
        return found, len(notes) == 1
    except (ValueError, KeyError, AttributeError) as exc:
        raise UsageRefused(f"{path}: not a saved checkpoint: {exc}") from None


def save_state(path: Path, notes: dict[str, str], single: bool) -> None:
    if single and len(notes) == 1:
        path.write_text(next(iter(notes.values())), encoding="utf-8")
    else:
        doc = {"format": STATE_FORMAT, "checkpoints": dict(sorted(notes.items()))}
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


commands = typer.Typer(rich_markup_mode=None)


@commands.command()
def witness(
    ledger: Annotated[str, typer.Option(help="The ledger's base URL, e.g. https://ledger.gemeente.example")],
    chain: Annotated[str, typer.Option(help="The chain to witness")],
    key: Annotated[
        str, typer.Option(help="Your cosigning key (PRIVATE+KEY+…, type 0x04), or a file holding it")
    ],
    log_key: Annotated[list[str], typer.Option("--log-key", help="The ledger's public key (or a file)")],
    state: Annotated[Path, typer.Option(help="Where you keep the last checkpoint you cosigned")],
) -> None:
    """Run by an auditor: fetch the ledger's latest checkpoint, check that it extends the one you
    cosigned last (consistency proof), cosign it and hand the cosignature back. Exit 1, and
    cosign nothing, if the ledger rewrote or rolled back its history."""
    import time

    import httpx

    from ..core.audit import chain_of_origin
    from ..core.merkle import ProofError, verify_consistency
    from ..core.notes import COSIGNATURE, NoteError, NoteSigner, SignedNote, open_checkpoint

    try:
        signer = NoteSigner.from_string(text_or_file(key))
    except NoteError as exc:
        raise UsageRefused(f"--key: {exc}") from None
    if signer.sig_type != COSIGNATURE:
        raise UsageRefused("--key: a witness key is made with `keys generate NAME --witness`")
    verifiers = parse_keys(log_key)
    saved_notes, _ = load_state(state)
    base = f"{ledger.rstrip('/')}/v1/chains/{chain}"
    with httpx.Client(timeout=30) as http:
        answer = http.get(f"{base}/checkpoint")
        if answer.status_code != 200:
            err.print(f"[red]refused:[/red] the ledger gave {answer.status_code}: {answer.text[:200]}")
            raise typer.Exit(EXIT_FAILED)
        note = answer.text
        try:
            latest, signed, _ = open_checkpoint(note, verifiers)
        except NoteError as exc:
            out.print(f"FAILED  the ledger's checkpoint: {exc}")
            raise typer.Exit(EXIT_FAILED) from None
        if chain_of_origin(latest.origin) != chain:
            out.print(f"FAILED  the checkpoint is for {latest.origin!r}, not chain {chain!r}")
            raise typer.Exit(EXIT_FAILED)
        previous = saved_notes.get(chain)
        if previous:
            before = open_checkpoint(previous, verifiers)[0]
            proof = http.get(f"{base}/proofs/consistency", params={"old": before.size, "new": latest.size})
            try:
                if proof.status_code != 200:
                    raise ProofError(f"the ledger gives no proof ({proof.status_code}: {proof.text[:120]})")
                hashes = [bytes.fromhex(h) for h in proof.json()["proof"]]
                verify_consistency(before.size, latest.size, before.root_hash, latest.root_hash, hashes)
            except ProofError as exc:
                out.print(
                    f"FAILED  chain {chain!r}: size {latest.size} does not extend the checkpoint of size "
                    f"{before.size} you cosigned: {exc}. Nothing cosigned; keep {state} as evidence."
                )
                raise typer.Exit(EXIT_FAILED) from None
        line = signer.sign(signed.text, timestamp=int(time.time()))
        handed = http.post(
            f"{base}/cosignatures",
            content=SignedNote(signed.text, (line,)).render(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        if handed.status_code != 200:
            out.print(f"FAILED  the ledger refused the cosignature: {handed.status_code} {handed.text[:200]}")
            raise typer.Exit(EXIT_FAILED)
    saved_notes[chain] = signed.render()
    save_state(state, saved_notes, single=len(saved_notes) == 1)
    out.print(f"cosigned chain {chain!r} at size {latest.size} as {signer.name}; kept in {state}")

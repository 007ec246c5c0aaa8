"""The integrity commands: keys, checkpoint, prove, receipt, verify-receipt, witness; and the
checkpoint part of `verify` (witnessing a saved checkpoint). Offline ones need only files and
the public key. Exit codes as `verify`: 0 holds, 1 does not hold, 2 usage error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli_output import err, out

if TYPE_CHECKING:
    from .core.notes import NoteVerifier

__all__ = ["load_state", "parse_keys", "register", "save_state", "size_of"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
STATE_FORMAT = "consent-ledger-checkpoints/v1"

KeyOption = Annotated[
    list[str],
    typer.Option(
        "--key", help="The ledger's public key (<name>+<id>+<key>), or a file holding it; repeatable"
    ),
]


def text_or_file(value: str) -> str:
    """A key given as itself, or as the path of a file holding it."""
    path = Path(value)
    return path.read_text().strip() if path.is_file() else value


def parse_keys(values: list[str]) -> list[NoteVerifier]:
    from .core.notes import NoteError, NoteVerifier

    keys: list[NoteVerifier] = []
    for value in values:
        texts = text_or_file(value).split()
        try:
            keys.extend(NoteVerifier.from_string(t) for t in texts)
        except NoteError as exc:
            err.print(f"[red]usage:[/red] --key {value[:60]}: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
    return keys


def load_state(path: Path) -> tuple[dict[str, str], bool]:
    """The checkpoints an auditor saved: one signed note (as fetched), or a JSON map of chain to
    note written by `verify --checkpoint`. Returns them and whether the file held one note."""
    from .core.audit import chain_of_origin
    from .core.notes import Checkpoint, SignedNote

    if not path.exists():
        return {}, True
    text = path.read_text(encoding="utf-8")
    try:
        if text.lstrip().startswith("{"):
            doc = json.loads(text)
            if doc.get("format") != STATE_FORMAT:
                raise ValueError(f"not a {STATE_FORMAT} file")
            return {str(k): str(v) for k, v in doc["checkpoints"].items()}, False
        note = SignedNote.parse(text)
        return {chain_of_origin(Checkpoint.parse(note.text).origin): text}, True
    except (ValueError, KeyError, AttributeError) as exc:
        err.print(f"[red]usage:[/red] {path}: not a saved checkpoint: {exc}")
        raise typer.Exit(EXIT_USAGE) from None


def save_state(path: Path, notes: dict[str, str], single: bool) -> None:
    if single and len(notes) == 1:
        path.write_text(next(iter(notes.values())), encoding="utf-8")
    else:
        doc = {"format": STATE_FORMAT, "checkpoints": dict(sorted(notes.items()))}
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def size_of(note: str | None) -> int | None:
    """The tree size a note claims (checked later, with its signature)."""
    from .core.notes import Checkpoint, NoteError, SignedNote

    if not note:
        return None
    try:
        return Checkpoint.parse(SignedNote.parse(note).text).size
    except NoteError:
        return None


def register(app: typer.Typer, settings: Any) -> typer.Typer:
    """Adds the integrity commands; returns the `keys` group, for the keys other modules own."""
    keys_app = typer.Typer(
        no_args_is_help=True, help="Checkpoint and witness keys (Ed25519, C2SP signed-note); the LDV key"
    )
    prove_app = typer.Typer(no_args_is_help=True, help="Inclusion and consistency proofs (RFC 9162)")
    app.add_typer(keys_app, name="keys")
    app.add_typer(prove_app, name="prove")

    @keys_app.command("generate")
    def keys_generate(
        name: Annotated[
            str, typer.Argument(help="The key name: the ledger's LEDGER_LOG_ORIGIN, or a witness's name")
        ],
        witness: Annotated[
            bool, typer.Option("--witness", help="A witness's cosigning key (type 0x04)")
        ] = False,
    ) -> None:
        """Print a new private key (keep it secret: LEDGER_CHECKPOINT_KEYS) and its public key."""
        from .core.notes import COSIGNATURE, ED25519, NoteError, NoteSigner

        try:
            signer = NoteSigner.generate(name, COSIGNATURE if witness else ED25519)
        except NoteError as exc:
            err.print(f"[red]usage:[/red] {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        print(f"private {signer.private_string()}")
        print(f"public  {signer.verifier()}")

    @keys_app.command("public")
    def keys_public() -> None:
        """Print the public key of each checkpoint key (LEDGER_CHECKPOINT_KEYS): what an auditor
        passes to `verify --key`. In development mode without keys, the development key's."""
        from .config import ConfigError

        try:
            signers = settings().checkpoint_signers()
        except ConfigError as exc:
            err.print(f"[red]usage:[/red] {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        if not signers:
            err.print("[red]usage:[/red] no checkpoint key: set LEDGER_CHECKPOINT_KEYS (`keys generate`)")
            raise typer.Exit(EXIT_USAGE)
        for signer in signers:
            print(signer.verifier())

    def _checkpoints(sign: bool = False):  # type: ignore[no-untyped-def]
        """Proofs and receipts need no key; signing does (refused without one outside dev)."""
        from .adapters.sql_tree import SqlTreeStore
        from .app.checkpoints import Checkpoints
        from .bootstrap import build_checkpoints, build_store

        s = settings()
        store = build_store(s)
        return build_checkpoints(s, store) if sign else Checkpoints(SqlTreeStore(store), [], s.log_origin)

    def _refused(exc: Exception) -> typer.Exit:
        err.print(f"[red]refused:[/red] {exc}")
        return typer.Exit(EXIT_FAILED)

    @app.command()
    def checkpoint(chain: Annotated[str | None, typer.Option(help="Only this chain")] = None) -> None:
        """Sign a checkpoint now of every chain that grew, and print each chain's current one."""
        from .app.checkpoints import CheckpointRefused

        cps = _checkpoints(sign=True)
        try:
            for stored in cps.issue(chain):
                print(cps.note(stored.chain, stored.size))
        except CheckpointRefused as exc:
            raise _refused(exc) from None

    @prove_app.command("inclusion")
    def prove_inclusion(
        chain: str,
        index: int,
        size: Annotated[int | None, typer.Option(help="Default: latest checkpoint")] = None,
    ) -> None:
        """PATH(index, D[size]) as JSON (hex hashes)."""
        from .app.checkpoints import CheckpointRefused

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
        from .app.checkpoints import CheckpointRefused

        try:
            n, proof = _checkpoints().consistency(chain, old, new)
        except CheckpointRefused as exc:
            raise _refused(exc) from None
        print(json.dumps({"chain": chain, "old": old, "new": n, "proof": [h.hex() for h in proof]}))

    @app.command()
    def receipt(
        chain: str,
        seq: int,
        output: Annotated[
            Path | None, typer.Option("--out", "-o", help="Write here instead of stdout")
        ] = None,
    ) -> None:
        """Entry `seq` with its inclusion proof and signed checkpoint, for `verify-receipt`."""
        from .app.checkpoints import CheckpointRefused

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

    @app.command("verify-receipt")
    def verify_receipt_cmd(file: Path, key: KeyOption) -> None:
        """Check a receipt, or an access report's bundle of receipts, offline: each entry is in the
        tree the key signed. Exit 0 holds, 1 not."""
        from .core.audit import RECEIPTS_FORMAT, AuditError, verify_receipt, verify_receipts

        keys = parse_keys(key)
        try:
            receipt_doc = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            err.print(f"[red]usage:[/red] {file}: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
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

    @app.command("verify-consistency")
    def verify_consistency_cmd(
        proof_file: Annotated[
            Path, typer.Argument(help="JSON from `prove consistency` or …/proofs/consistency")
        ],
        old: Annotated[Path, typer.Option(help="The older signed checkpoint")],
        new: Annotated[Path, typer.Option(help="The newer signed checkpoint")],
        key: KeyOption,
    ) -> None:
        """Check offline that the newer checkpoint's tree extends the older one's. Exit 0 holds, 1 not."""
        from .core.merkle import ProofError, verify_consistency
        from .core.notes import NoteError, open_checkpoint

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
            err.print(f"[red]usage:[/red] {exc}")
            raise typer.Exit(EXIT_USAGE) from None
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
        out.print(
            f"holds   {after.origin}: the tree of size {after.size} extends the one of size {before.size}"
        )

    @app.command()
    def witness(
        ledger: Annotated[
            str, typer.Option(help="The ledger's base URL, e.g. https://ledger.gemeente.example")
        ],
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

        from .core.audit import chain_of_origin
        from .core.merkle import ProofError, verify_consistency
        from .core.notes import COSIGNATURE, NoteError, NoteSigner, SignedNote, open_checkpoint

        try:
            signer = NoteSigner.from_string(text_or_file(key))
        except NoteError as exc:
            err.print(f"[red]usage:[/red] --key: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        if signer.sig_type != COSIGNATURE:
            err.print("[red]usage:[/red] --key: a witness key is made with `keys generate NAME --witness`")
            raise typer.Exit(EXIT_USAGE)
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
                proof = http.get(
                    f"{base}/proofs/consistency", params={"old": before.size, "new": latest.size}
                )
                try:
                    if proof.status_code != 200:
                        raise ProofError(
                            f"the ledger gives no proof ({proof.status_code}: {proof.text[:120]})"
                        )
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
                out.print(
                    f"FAILED  the ledger refused the cosignature: {handed.status_code} {handed.text[:200]}"
                )
                raise typer.Exit(EXIT_FAILED)
        saved_notes[chain] = signed.render()
        save_state(state, saved_notes, single=len(saved_notes) == 1)
        out.print(f"cosigned chain {chain!r} at size {latest.size} as {signer.name}; kept in {state}")

    return keys_app

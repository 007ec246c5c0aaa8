"""`keys`: checkpoint and witness keys (Ed25519, C2SP signed-note), and reading the keys an
auditor passes to the offline checks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageRefused
from .context import command_settings, group, keyed_settings
from .output import err, out

if TYPE_CHECKING:
    from ..core.notes import NoteVerifier

__all__ = ["KeyOption", "commands", "parse_keys", "text_or_file"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

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
    from ..core.notes import NoteError, NoteVerifier

    keys: list[NoteVerifier] = []
    for value in values:
        texts = text_or_file(value).split()
        try:
            keys.extend(NoteVerifier.from_string(t) for t in texts)
        except NoteError as exc:
            raise UsageRefused(f"--key {value[:60]}: {exc}") from None
    return keys


commands = typer.Typer(rich_markup_mode=None)
keys_app = group("Checkpoint and witness keys (Ed25519, C2SP signed-note); the LDV key")
commands.add_typer(keys_app, name="keys")


@keys_app.command("generate")
def generate(
    name: Annotated[
        str, typer.Argument(help="The key name: the ledger's LEDGER_LOG_ORIGIN, or a witness's name")
    ],
    witness: Annotated[bool, typer.Option("--witness", help="A witness's cosigning key (type 0x04)")] = False,
) -> None:
    """Print a new private key (keep it secret: LEDGER_CHECKPOINT_KEYS) and its public key."""
    from ..core.notes import COSIGNATURE, ED25519, NoteError, NoteSigner

    try:
        signer = NoteSigner.generate(name, COSIGNATURE if witness else ED25519)
    except NoteError as exc:
        raise UsageRefused(str(exc)) from None
    print(f"private {signer.private_string()}")
    print(f"public  {signer.verifier()}")


@keys_app.command("public")
def public() -> None:
    """Print the public key of each checkpoint key (LEDGER_CHECKPOINT_KEYS): what an auditor
    passes to `verify --key`. In development mode without keys, the development key's."""
    from ..config import ConfigError

    try:
        signers = command_settings().checkpoint_signers()
    except ConfigError as exc:
        raise UsageRefused(str(exc)) from None
    if not signers:
        raise UsageRefused("no checkpoint key: set LEDGER_CHECKPOINT_KEYS (`keys generate`)")
    for signer in signers:
        print(signer.verifier())


@keys_app.command("ldv")
def ldv_key() -> None:
    """Print the key that encrypts the subject ids of `export --format ldv` (base64), for the
    operator of the LDV tooling: it opens each dpl.core.data_subject_id to the ledger's pseudonym."""
    import base64

    err.print("the LDV subject-id key (a secret: give it only to the LDV tooling's operator):")
    print(base64.b64encode(keyed_settings().ldv_key()).decode())


@keys_app.command("rewrap")
def rewrap() -> None:
    """Rotate the key-encryption key: re-wrap every stored data key by LEDGER_ENCRYPTION_KEY, opening
    those not yet re-wrapped by LEDGER_PREVIOUS_ENCRYPTION_KEYS. Resumable; exit 1 when a data key
    is opened by none of the keys given (it is left as it was)."""
    from ..app.rewrap import rewrap_keys
    from ..bootstrap.store import build_store

    settings = keyed_settings()
    _, kek = settings.keys()
    report = rewrap_keys(build_store(settings), kek, settings.previous_keks())
    out.print(
        f"re-wrapped {report.rewrapped} data keys; {report.current} were already under the current key, "
        f"{report.gone} were erased meanwhile, {report.unreadable} are opened by none of the keys given"
    )
    if not report.done:
        err.print("[red]not done:[/red] give the key that wrapped them in LEDGER_PREVIOUS_ENCRYPTION_KEYS")
        raise typer.Exit(1)

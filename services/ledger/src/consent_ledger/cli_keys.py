"""`keys`: checkpoint and witness keys (Ed25519, C2SP signed-note), and reading the keys an
auditor passes to the offline checks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli_output import err

if TYPE_CHECKING:
    from .core.notes import NoteVerifier

__all__ = ["KeyOption", "parse_keys", "register", "text_or_file"]

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


def register(app: typer.Typer, settings: Any) -> typer.Typer:
    """Adds the `keys` group; returns it, for the keys other modules own."""
    keys_app = typer.Typer(
        no_args_is_help=True, help="Checkpoint and witness keys (Ed25519, C2SP signed-note); the LDV key"
    )
    app.add_typer(keys_app, name="keys")

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

    return keys_app

"""`consent-ledger producers add | list | disable`: who may publish what (DESIGN.md invariant 10)."""

from __future__ import annotations

import fnmatch
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from ledger_contracts import EVENT_TYPES
from ledger_contracts.formats import CODE_PATTERN
from ledger_contracts.signing import ProducerSigner

from ..adapters.sql.producers import SqlProducerStore
from ..app.internal_producers import INTERNAL_PRODUCERS
from ..app.producers import ProducerRecord, system_owner
from ..bootstrap.store import build_store
from ..errors import UsageRefused
from .context import command_settings
from .output import out

if TYPE_CHECKING:
    from ..app.producers import ProducerStore

__all__ = ["commands"]

EXIT_USAGE = 2


def producer_store() -> ProducerStore:

    return SqlProducerStore(build_store(command_settings()).engine)


commands = typer.Typer(rich_markup_mode=None)

group = typer.Typer(no_args_is_help=True, help="Producers: their keys and what each may publish")
commands.add_typer(group, name="producers")


@group.command("add")
def add(
    producer_id: str,
    types: Annotated[
        list[str],
        typer.Option("--type", help="Event type or pattern it may publish ('consent.*'); repeat"),
    ],
    controllers: Annotated[
        list[str], typer.Option("--controller", help="Controller it may publish for, or '*'; repeat")
    ],
    public_key: Annotated[
        str | None, typer.Option(help="Its public key 'ed25519:…'; without it a key pair is made")
    ] = None,
) -> None:
    """Register (or re-key, or enable again) a producer. Without --public-key the private key is
    printed once: give it to the producer's service, keep no copy."""

    if not re.match(CODE_PATTERN, producer_id):
        raise UsageRefused("a producer id is lowercase words joined by '-' or '.', without digits")
    if producer_id in INTERNAL_PRODUCERS:
        raise UsageRefused(f"{producer_id} is one of the ledger's own producers; choose another id")
    outside = [e for e in EVENT_TYPES if system_owner(e) is None]
    unknown = [t for t in types if t != "*" and not any(_matches(t, e) for e in outside)]
    if unknown:
        raise UsageRefused(
            f"no event type an outside producer may publish matches {', '.join(unknown)} (the "
            f"system's own types are never granted); types: {', '.join(sorted(outside))}"
        )
    signer = None
    if public_key is None:
        signer = ProducerSigner.generate()
        public_key = signer.public_text()
    elif not public_key.startswith("ed25519:"):
        raise UsageRefused("a public key is 'ed25519:<base64url of 32 bytes>'")
    producer_store().put_producer(
        ProducerRecord(producer_id, public_key, tuple(types), tuple(controllers), datetime.now(UTC))
    )
    out.print(f"producer {producer_id}: may publish {' '.join(types)} for {' '.join(controllers)}")
    if signer is not None:
        typer.echo(f"private key (shown once): {signer.private_text()}")


@group.command("list")
def list_() -> None:
    for p in producer_store().producers():
        state = f"disabled {p.disabled_at:%Y-%m-%d}" if p.disabled_at else "enabled"
        typer.echo(f"{p.producer_id}\t{state}\t{' '.join(p.event_types)}\t{' '.join(p.controllers)}")


@group.command("disable")
def disable(producer_id: str) -> None:
    """From now on its events are refused (`unauthenticated_producer`)."""
    if not producer_store().disable_producer(producer_id, datetime.now(UTC)):
        raise UsageRefused(f"no enabled producer {producer_id!r}")
    out.print(f"producer {producer_id} disabled")


def _matches(pattern: str, event_type: str) -> bool:
    return fnmatch.fnmatchcase(event_type, pattern)

"""`clients add|list|disable`: the systems that ask the consent questions, each with its scopes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from ..adapters.sql.clients import SqlClientStore
from ..app.clients import ApiClients
from ..bootstrap.store import build_store
from ..errors import Refused
from .context import command_settings
from .output import err, out

__all__ = ["commands"]

SCOPES_HELP = (
    "consent:check (yes/no), consent:status, consent:history, ledger:audit (receipts), "
    "subject:access (access requests and reports), subject:erasure (erasure, restriction, "
    "holds), register:admin (publish the register, read violations), metrics:read (/metrics)"
)


CONTROLLER_HELP = (
    "the controller (chain) it asks for, e.g. werkcorporatie; repeat for several. Consent, access "
    "and rights questions are answered for these controllers only"
)


def clients() -> ApiClients:

    return ApiClients(SqlClientStore(build_store(command_settings()).engine))


commands = typer.Typer(rich_markup_mode=None)

group = typer.Typer(no_args_is_help=True, help="Clients of the consent questions, with scopes")
commands.add_typer(group, name="clients")


@group.command("add")
def add(
    client_id: Annotated[str, typer.Argument(help="e.g. nieuwsbrief, website, accountant")],
    scope: Annotated[list[str], typer.Option("--scope", help=SCOPES_HELP)],
    controller: Annotated[list[str] | None, typer.Option("--controller", help=CONTROLLER_HELP)] = None,
) -> None:
    """Create a client, or rotate its token; prints the token once."""
    try:
        token = clients().add(client_id, scope, datetime.now(UTC), controller or ())
    except ValueError as exc:
        raise Refused(str(exc)) from None
    at = f" for {', '.join(sorted(controller))}" if controller else ""
    err.print(f"client {client_id} with {', '.join(sorted(scope))}{at}; the token is shown only now:")
    print(token)


@group.command("list")
def list_() -> None:
    for c in clients().store.clients():
        state = f"disabled {c.disabled_at:%Y-%m-%d}" if c.disabled_at else "active"
        tied = " ".join(sorted(c.controllers)) or "(no controller)"
        out.print(f"{c.client_id}\t{' '.join(sorted(c.scopes))}\t{tied}\t{state}")


@group.command("tie")
def tie(
    client_id: str,
    controller: Annotated[list[str], typer.Option("--controller", help=CONTROLLER_HELP)],
) -> None:
    """Tie a client to exactly these controllers (its token stays)."""
    try:
        done = clients().tie(client_id, controller)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    if not done:
        raise Refused(f"no client {client_id}")
    out.print(f"client {client_id} answers for {', '.join(sorted(controller))}")


@group.command("disable")
def disable(client_id: str) -> None:
    if not clients().disable(client_id, datetime.now(UTC)):
        raise Refused(f"no active client {client_id}")
    out.print(f"client {client_id} disabled")

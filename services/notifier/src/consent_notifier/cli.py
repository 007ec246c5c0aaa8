"""Command line for the administrator: users and services (art. 7), and the known-party registry.
Mounted into `consent-ledger` as `users` and `registry`. Changes reach the ledger through the
outbox, delivered by `consent-ledger up`."""

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from .core.roles import Role

if TYPE_CHECKING:
    from .adapters.sql.store import SqlNotifierStore
    from .app.access import Credentials
    from .app.actors import Actor
    from .app.registry_admin import RegistryAdmin

__all__ = ["build_cli"]

T = TypeVar("T")

EXIT_USAGE = 2


def build_cli(home: Callable[[], Path]) -> tuple[typer.Typer, typer.Typer]:
    """(users, registry) command groups, working on the notifier database under `home()`."""
    users = typer.Typer(no_args_is_help=True, help="Personal credentials of users and services (art. 7)")
    registry = typer.Typer(no_args_is_help=True, help="Known-party registry of art. 8 lid 3")

    # the store, the settings and the use cases are imported when a command runs, not when the
    # command line is built: `consent-ledger --help` and the auditor commands start without them
    def store() -> "SqlNotifierStore":
        from .bootstrap import build_notifier_store
        from .config import NotifierSettings

        return build_notifier_store(NotifierSettings(), home())

    def credentials() -> "Credentials":
        from .app.access import Credentials
        from .bootstrap import SystemClock

        return Credentials(store(), SystemClock())

    def admin(by: str) -> "tuple[RegistryAdmin, Actor]":
        from .app.actors import Actor
        from .app.events import EventFactory
        from .app.registry_admin import RegistryAdmin
        from .bootstrap import SystemClock
        from .config import NotifierSettings

        s = store()
        cred = s.credential(by)
        if cred is None or cred.disabled_at is not None or Role.ADMINISTRATOR.value not in cred.roles:
            fail(f"{by!r} is not an active user with the administrator role")
        settings = NotifierSettings()
        events = EventFactory(
            settings.controller,
            settings.processing_activity,
            webhooks=tuple(settings.webhooks),
            organisation=settings.organisation,
        )
        roles = frozenset(Role(r) for r in cred.roles)
        return RegistryAdmin(s, events, SystemClock()), Actor(by, roles)

    By = Annotated[str, typer.Option("--by", help="Your personal user id (administrator role)")]
    Until = Annotated[
        str | None,
        typer.Option(
            help="Valid until: a date (up to and including that Dutch day), or a date and time "
            "(Dutch time unless it has an offset)"
        ),
    ]

    @users.command("add")
    def add_user(
        user_id: str,
        role: Annotated[list[Role], typer.Option("--role", help="employee, administrator or management")],
        password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
    ) -> None:
        """Create or reset a user; prints the generated password once."""
        password = sys.stdin.readline().rstrip("\n") if password_stdin else None
        result = run(lambda: credentials().add_user(user_id, frozenset(role), password))
        typer.echo(f"user {user_id} ({', '.join(sorted(role))})")
        if not password_stdin:
            typer.echo(f"password: {result}")

    @users.command("add-service")
    def add_service(service_id: str, role: Annotated[list[Role], typer.Option("--role")]) -> None:
        """Create or rotate a service credential; prints its token once."""
        token = run(lambda: credentials().add_service(service_id, frozenset(role)))
        typer.echo(f"token: {token}")

    @users.command("disable")
    def disable(principal_id: str) -> None:
        if not credentials().disable(principal_id):
            fail(f"no user or service {principal_id!r}")
        typer.echo(f"disabled {principal_id}")

    @registry.command("parties")
    def parties() -> None:
        """The parties with the topics each may be told about by phone."""
        for p in store().parties():
            valid = (
                f" (geldig {p.valid_from or '…'} – {p.valid_until or '…'})"
                if p.valid_from or p.valid_until
                else ""
            )
            typer.echo(f"{p.party_id}: {p.name}{valid}")
            for t in p.topics:
                typer.echo(f"    {t.topic_id}: {t.label} — AVG 6(1)({t.gdpr_basis}) {t.statute or ''}")

    @registry.command("persons")
    def persons(party: Annotated[str | None, typer.Option()] = None) -> None:
        for p in store().persons(party):
            typer.echo(f"{p.person_id} ({p.party_id}): {p.display_name}")
            for n in p.numbers:
                state = "ingetrokken" if n.revoked_at else f"geldig tot {n.valid_until or '…'}"
                typer.echo(
                    f"    {n.number} geverifieerd door {n.verified_by} op {n.verified_at:%Y-%m-%d}, {state}"
                )

    @registry.command("seed")
    def seed(by: By) -> None:
        """Add the five parties of art. 8 lid 3 that are missing."""
        a, actor = admin(by)
        added = run(lambda: a.seed(actor))
        typer.echo(f"added {len(added)} parties" + (f": {', '.join(added)}" if added else ""))

    @registry.command("add-person")
    def add_person(
        person_id: str,
        party: Annotated[str, typer.Option(help="Party id")],
        name: Annotated[str, typer.Option(help="Name as the employee should know them")],
        by: By,
        until: Until = None,
    ) -> None:
        a, actor = admin(by)
        run(lambda: a.put_person(person_id, party, name, actor, None, _until(until)))
        typer.echo(f"known person {person_id} at {party}")

    @registry.command("verify-number")
    def verify_number(
        person_id: str,
        number: str,
        by: By,
        until: Until = None,
        verified_at: Annotated[
            datetime | None,
            typer.Option(
                help="Import an earlier verification (ISO date/time); one that has ended counts as expired"
            ),
        ] = None,
    ) -> None:
        """Record that you verified this number for the person."""
        a, actor = admin(by)
        n = run(lambda: a.verify_number(person_id, number, actor, _until(until), _aware(verified_at)))
        typer.echo(f"verified {n.number} for {person_id}")

    @registry.command("revoke-number")
    def revoke_number(person_id: str, number: str, by: By) -> None:
        a, actor = admin(by)
        run(lambda: a.revoke_number(person_id, number, actor))
        typer.echo(f"revoked {number} for {person_id}")

    return users, registry


def _until(value: str | None) -> datetime | None:
    from ledger_contracts.dutch_time import parse_until

    if value is None:
        return None
    try:
        return parse_until(value)
    except ValueError:
        typer.echo("refused: --until is a date (2027-11-23) or a date and time", err=True)
        raise typer.Exit(2) from None


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def run(fn: Callable[[], T]) -> T:
    """`fn()`, a refusal of the notifier ending the command with its message (exit 2)."""
    from .app.errors import NotifierError

    try:
        return fn()
    except NotifierError as exc:
        fail(exc.message)


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)

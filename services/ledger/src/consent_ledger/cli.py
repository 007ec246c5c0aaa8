"""The ledger's commands: `consume`, `serve`, `verify`, `export` and the integrity, privacy, rights,
producer, client and dead-letter groups. The product's command (`consent-ledger`, with `up`, `demo`
and the notifier's groups) is composed above both services, in consent_platform.

Every command loads what it needs when it runs, so that the auditor's commands start at once."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli_backup import register as register_backup
from .cli_clients import register as register_clients
from .cli_dead_letters import register as register_dead_letters
from .cli_export import register as register_export
from .cli_keys import register as register_keys
from .cli_offline import register as register_offline
from .cli_output import EXIT_USAGE, err, out
from .cli_privacy import register as register_privacy
from .cli_producers import register as register_producers
from .cli_proofs import register as register_proofs
from .cli_rights import register as register_rights
from .cli_verify import register as register_verify
from .cli_witness import register as register_witness
from .errors import ConfigError, NoLedger

if TYPE_CHECKING:
    from .app.clients import ApiClients
    from .app.dead_letters import DeadLetterDesk
    from .app.producers import ProducerRecord, ProducerStore
    from .bootstrap import Privacy
    from .config import Settings

__all__ = [
    "app",
    "broker_url",
    "build_app",
    "command_settings",
    "keyed_settings",
    "main",
    "new_app",
    "process_settings",
    "run",
]

HELP = "Consent and disclosure ledger"


def new_app() -> typer.Typer:
    """An empty command line with the product's conventions (no completion, no rich help)."""
    return typer.Typer(add_completion=False, no_args_is_help=True, help=HELP, rich_markup_mode=None)


def command_settings(**kw: object) -> Settings:
    """The settings of a command that works on an existing ledger: it creates none (`up` does)."""
    from .config import Settings

    overrides: dict[str, Any] = {k: v for k, v in kw.items() if v is not None}
    return Settings(**{"create_ledger": False, **overrides})


def broker_url(settings: Settings) -> str:
    """LEDGER_REDIS_URL, or the embedded Redis a running `up` wrote down; refused (exit 2) without."""
    if settings.redis_url:
        return settings.redis_url
    url_file = settings.home / "redis.url"
    if url_file.exists():
        return url_file.read_text().strip()
    err.print("[red]no broker:[/red] set LEDGER_REDIS_URL, or start `consent-ledger up` first")
    raise typer.Exit(EXIT_USAGE)


def keyed_settings() -> Settings:
    """The settings with their keys; a development ledger's home holds its keys in dev-keys.json, so
    a command next to `up --dev` finds them without --dev. Refused (exit 2) when there are none."""
    settings = command_settings()
    try:
        settings.keys()
    except ConfigError as exc:
        if not settings.database_url and not (settings.home / "ledger.db").exists():
            raise NoLedger(f"no ledger in {settings.home}; start one with `consent-ledger up`") from None
        if not (settings.home / "dev-keys.json").exists():
            err.print(f"[red]refused:[/red] {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        settings = command_settings(dev_mode=True)
    return settings


def _clients() -> ApiClients:
    from .adapters.sql.clients import SqlClientStore
    from .app.clients import ApiClients
    from .stores import build_store

    return ApiClients(SqlClientStore(build_store(command_settings()).engine))


def _dead_letter_desk() -> DeadLetterDesk:
    from .adapters.broker.dead_letter_box import RedisDeadLetterBox
    from .app.dead_letters import DeadLetterDesk
    from .app.internal_producers import internal_signer

    settings = keyed_settings()
    try:
        key = settings.dead_letter_key_bytes()
    except ConfigError as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    _, kek = settings.keys()
    from .adapters.sql.dead_letters import SqlDeadLetters
    from .stores import build_store

    engine = build_store(settings).engine  # the dead letters and the registered producers
    box = RedisDeadLetterBox(
        broker_url(settings),
        internal_signer(kek, "ledger-operations"),
        settings.organisation,
        SqlDeadLetters(engine),
    )
    registered: dict[str, ProducerRecord] | None = None

    def producer(producer_id: str) -> ProducerRecord | None:
        """The registered producer, read from the ledger when a replay first asks (not for list)."""
        nonlocal registered
        if registered is None:
            from .adapters.sql.producers import SqlProducerStore

            registered = {p.producer_id: p for p in SqlProducerStore(engine).producers()}
        return registered.get(producer_id)

    return DeadLetterDesk(
        box,
        key,
        settings.operations_controller,
        require_signature=not settings.dev_mode,
        producers=producer,
    )


def _producer_store() -> ProducerStore:
    from .adapters.sql.producers import SqlProducerStore
    from .stores import build_store

    return SqlProducerStore(build_store(command_settings()).engine)


def _privacy() -> Privacy:
    from .bootstrap import build_privacy

    return build_privacy(keyed_settings())


def process_settings(command: str, port: int | None = None) -> Settings:
    """The settings of a long-running process of a deployment (`consume`, `serve`, `notifier`), its
    logging configured: it needs LEDGER_REDIS_URL and its keys, or is refused with exit 2."""
    from .adapters.log_hygiene import configure_logging

    configure_logging()
    settings = command_settings(http_port=port, create_ledger=True)
    if not settings.redis_url:
        err.print(f"[red]usage:[/red] LEDGER_REDIS_URL must be set for `{command}`")
        raise typer.Exit(EXIT_USAGE)
    settings.keys()
    return settings


def consume(
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve /metrics (token of scope metrics:read) on this port")
    ] = None,
) -> None:
    """Run only the ledger consumer (one replica); needs LEDGER_REDIS_URL."""
    from .runner import run_consumer

    run_consumer(process_settings("consume"), metrics_port)


def serve(port: Annotated[int | None, typer.Option(help="HTTP port (LEDGER_HTTP_PORT)")] = None) -> None:
    """Run the HTTP API and the ledger's chores (checkpoints, consent expiry, retention, stream
    trimming) without a consumer; needs LEDGER_REDIS_URL. Run one, beside `consume` replicas."""
    from .runner import ledger_groups, run_api

    settings = process_settings("serve", port)
    run_api(settings, ledger_groups(with_notifier=settings.notifier_reads_streams))


def ldv_key() -> None:
    """Print the key that encrypts the subject ids of `export --format ldv` (base64), for the
    operator of the LDV tooling: it opens each dpl.core.data_subject_id to the ledger's pseudonym."""
    import base64

    err.print("the LDV subject-id key (a secret: give it only to the LDV tooling's operator):")
    print(base64.b64encode(keyed_settings().ldv_key()).decode())


def rewrap() -> None:
    """Rotate the key-encryption key: re-wrap every stored data key by LEDGER_ENCRYPTION_KEY, opening
    those not yet re-wrapped by LEDGER_PREVIOUS_ENCRYPTION_KEYS. Resumable; exit 1 when a data key
    is opened by none of the keys given (it is left as it was)."""
    from .app.rewrap import rewrap_keys
    from .stores import build_store

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


def build_app() -> typer.Typer:
    """The ledger's command line, every group registered."""
    cli = new_app()
    keys = register_keys(cli, command_settings)
    keys.command("ldv")(ldv_key)
    keys.command("rewrap")(rewrap)
    register_proofs(cli, command_settings)
    register_offline(cli)
    register_witness(cli)
    register_clients(cli, _clients)
    cli.command()(consume)
    cli.command()(serve)
    register_dead_letters(cli, _dead_letter_desk)
    register_producers(cli, _producer_store)
    register_privacy(cli, _privacy)
    register_rights(cli, _privacy, keyed_settings)
    register_export(cli, command_settings, keyed_settings)
    register_verify(cli)
    register_backup(cli, command_settings)
    return cli


app = build_app()


def run(cli: typer.Typer) -> None:
    """Run a command line, a refusal of the configuration or a missing ledger exiting with 2."""
    try:
        cli()
    except (ConfigError, NoLedger) as exc:
        err.print(f"[red]refused:[/red] {exc}")
        sys.exit(EXIT_USAGE)


def main() -> None:  # noqa: D103
    run(app)


if __name__ == "__main__":
    main()

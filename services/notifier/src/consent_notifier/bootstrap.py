"""Composition root of the notifier: settings and a subject directory in, wired parts out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from .adapters.deps import NotifierDeps
from .adapters.metrics import NotifierMetrics
from .adapters.sql.engine import make_engine, migrate
from .adapters.sql.store import SqlNotifierStore
from .app.access import Credentials
from .app.consent_notices import ConsentNotices
from .app.desk import PhoneDesk
from .app.events import EventFactory
from .app.ports import SubjectDirectory
from .app.registry_admin import RegistryAdmin
from .config import NotifierSettings
from .core.policy import default_policy

__all__ = ["SystemClock", "build_notifier", "build_notifier_store"]


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def build_notifier_store(
    settings: NotifierSettings, home: Path, number_key: bytes | None = None
) -> SqlNotifierStore:
    engine = make_engine(settings.resolved_database_url(home))
    migrate(engine)
    return SqlNotifierStore(engine, number_key)


def build_notifier(
    settings: NotifierSettings,
    home: Path,
    directory: SubjectDirectory,
    registry: CollectorRegistry,
    clock: object | None = None,
    number_key: bytes | None = None,
) -> NotifierDeps:
    """`number_key`: seals callback numbers while their callback is open (32 bytes; `up` derives it
    from the ledger's key-encryption key)."""
    store = build_notifier_store(settings, home, number_key)
    clock = clock or SystemClock()
    events = EventFactory(
        settings.controller,
        settings.processing_activity,
        webhooks=tuple(settings.webhooks),
        organisation=settings.organisation,
    )
    policy = default_policy(settings.always_call_back_parties(), settings.first_contact_callback)
    desk = PhoneDesk(store, directory, policy, events, clock, timedelta(minutes=settings.callback_minutes))  # type: ignore[arg-type]
    return NotifierDeps(
        store=store,
        desk=desk,
        admin=RegistryAdmin(store, events, clock),  # type: ignore[arg-type]
        credentials=Credentials(store, clock),  # type: ignore[arg-type]
        metrics=NotifierMetrics(registry),
        notices=ConsentNotices(
            store,
            settings.recipients(),
            clock,  # type: ignore[arg-type]
            organisation=settings.organisation,
        ),
    )

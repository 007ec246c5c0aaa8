"""What the HTTP layer is handed by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from ..app.access import Credentials
from ..app.consent_notices import ConsentNotices
from ..app.desk import PhoneDesk
from ..app.registry_admin import RegistryAdmin
from .metrics import NotifierMetrics
from .sql.store import SqlNotifierStore

__all__ = ["NotifierDeps"]


@dataclass(frozen=True)
class NotifierDeps:
    store: SqlNotifierStore
    desk: PhoneDesk
    admin: RegistryAdmin
    credentials: Credentials
    metrics: NotifierMetrics
    notices: ConsentNotices

"""Users' and services' credentials and the page's sessions (art. 7: personal credentials)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ...app.ports import Credential
from .models import (
    CredentialRow,
    SessionRow,
)
from .times import aware, utc

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from .store import SqlNotifierTx

__all__ = ["CredentialStore"]


class CredentialStore:
    """Part of SqlNotifierStore: credentials and sessions."""

    def transaction(self) -> AbstractContextManager[SqlNotifierTx]:
        raise NotImplementedError

    # --- credentials -------------------------------------------------------------------------

    def credential(self, principal_id: str) -> Credential | None:
        with self.transaction() as tx:
            row = tx.s.get(CredentialRow, principal_id)
            if row is None:
                return None
            return Credential(
                row.principal_id,
                row.kind,
                frozenset(r for r in row.roles.split(",") if r),
                row.secret_hash,
                aware(row.created_at),
                utc(row.disabled_at),
            )

    def put_credential(self, c: Credential) -> None:
        with self.transaction() as tx:
            tx.s.merge(
                CredentialRow(
                    principal_id=c.principal_id,
                    kind=c.kind,
                    roles=",".join(sorted(c.roles)),
                    secret_hash=c.secret_hash,
                    created_at=c.created_at,
                    disabled_at=c.disabled_at,
                )
            )

    def add_session(self, token_hash: str, principal_id: str, expires_at: datetime) -> None:
        with self.transaction() as tx:
            tx.s.add(SessionRow(token_hash=token_hash, principal_id=principal_id, expires_at=expires_at))

    def session(self, token_hash: str) -> tuple[str, datetime] | None:
        with self.transaction() as tx:
            row = tx.s.get(SessionRow, token_hash)
            return (row.principal_id, aware(row.expires_at)) if row else None

    def end_session(self, token_hash: str) -> None:
        with self.transaction() as tx:
            row = tx.s.get(SessionRow, token_hash)
            if row:
                tx.s.delete(row)

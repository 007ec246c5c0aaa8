"""Notifier settings, built once at the composition root. Environment prefix NOTIFIER_."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["NotifierSettings"]


class NotifierSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_")

    database_url: str | None = Field(default=None, description="Default: notifier.db (SQLite) in the home")
    controller: str = Field(default="werkkrachtcentrale", description="Whose regulation; its ledger chain")
    processing_activity: str = Field(
        default="telefonische-inlichtingen",
        description="Processing-register id for information given by phone",
    )
    callback_minutes: int = Field(default=30, ge=1, le=24 * 60, description="Deadline of a callback task")
    always_call_back: list[str] = Field(
        default_factory=list, description="Party ids always called back; ['*'] for every party"
    )
    webhooks: list[str] = Field(default_factory=list, description="URLs that receive each decision notice")
    outbox_max_attempts: int = Field(default=12, ge=1)

    def resolved_database_url(self, home: Path) -> str:
        return self.database_url or f"sqlite:///{(home / 'notifier.db').resolve()}"

    def always_call_back_parties(self) -> frozenset[str] | None:
        return None if "*" in self.always_call_back else frozenset(self.always_call_back)

"""Notifier settings, built once at the composition root. Environment prefix NOTIFIER_."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from ledger_contracts.formats import CHAIN_PATTERN
from ledger_contracts.vocabulary import ConsentPurpose, RecipientCategory
from pydantic import BaseModel, Field, StringConstraints
from pydantic_settings import BaseSettings, SettingsConfigDict

from .core.consent_recipients import DEFAULT_CONSENT_RECIPIENTS, ConsentRecipient, Recipients

__all__ = ["NotifierSettings", "RecipientSetting"]


class RecipientSetting(BaseModel):
    party_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str = Field(min_length=1, max_length=500)
    category: RecipientCategory
    webhook: str | None = Field(default=None, description="Else the broker stream ledger.notices.<party_id>")


class NotifierSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_")

    database_url: str | None = Field(default=None, description="Default: notifier.db (SQLite) in the home")
    redis_url: str | None = Field(
        default=None,
        description="The notifier process's own Redis user (docs/operations.md, Redis users); "
        "default LEDGER_REDIS_URL",
    )
    controller: str = Field(default="werkkrachtcentrale", description="Whose regulation; its ledger chain")
    organisation: str = Field(
        default="oin:00000000000000000000",
        pattern=r"^(oin:[0-9]{20}|kvknr:[0-9]{8})$",
        description="The controller's OIN (or KvK number): the source of the notifier's events and "
        "notices, published as CloudEvents (urn:nld:oin:<OIN>:systeem:notifier); set it to yours",
    )
    processing_activity: str = Field(
        default="telefonische-inlichtingen",
        description="Processing-register id for information given by phone",
    )
    callback_minutes: int = Field(default=30, ge=1, le=24 * 60, description="Deadline of a callback task")
    always_call_back: list[str] = Field(
        default_factory=list, description="Party ids always called back; ['*'] for every party"
    )
    first_contact_callback: bool = Field(
        default=False,
        description="Stricter than art. 8 lid 3: call a known person back the first time, even on a "
        "verified number",
    )
    webhooks: list[str] = Field(default_factory=list, description="URLs that receive each decision notice")
    outbox_max_attempts: int = Field(
        default=12,
        ge=1,
        description="Deliveries of an outbox message before it is given up (then "
        "`consent-ledger outbox retry`)",
    )
    consent_recipients: (
        dict[
            Annotated[str, StringConstraints(pattern=CHAIN_PATTERN)],
            dict[ConsentPurpose, list[RecipientSetting]],
        ]
        | None
    ) = Field(
        default=None,
        description="Per controller and consent purpose, the parties told when it ends (default: "
        "WerkCorporatie's processing register)",
    )

    def recipients(self) -> Recipients:
        if self.consent_recipients is None:
            return DEFAULT_CONSENT_RECIPIENTS
        return {
            controller: {
                str(purpose): tuple(
                    ConsentRecipient(r.party_id, r.name, r.category, r.webhook) for r in parties
                )
                for purpose, parties in by_purpose.items()
            }
            for controller, by_purpose in self.consent_recipients.items()
        }

    def resolved_database_url(self, home: Path) -> str:
        return self.database_url or f"sqlite:///{(home / 'notifier.db').resolve()}"

    def always_call_back_parties(self) -> frozenset[str] | None:
        return None if "*" in self.always_call_back else frozenset(self.always_call_back)

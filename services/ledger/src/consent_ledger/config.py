"""Settings, built once at the composition root. Environment prefix LEDGER_."""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .core.pseudonyms import WeakKeyError, check_key_strength

__all__ = ["ConfigError", "Settings", "decode_key", "load_settings"]

DEFAULT_HOME = Path(".consent-ledger")


class ConfigError(Exception):
    """Configuration is missing or unsafe; the message says which setting and why."""


class ConsumerSettings(BaseModel):
    batch_size: int = Field(default=500, ge=1, le=10_000)
    poll_ms: int = Field(default=100, ge=1)
    reclaim_idle_ms: int = Field(default=30_000, ge=100, description="XAUTOCLAIM min idle")
    consumer_name: str = Field(default_factory=lambda: f"ledger-{os.getpid()}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", env_nested_delimiter="__")

    home: Path = DEFAULT_HOME
    database_url: str | None = None
    redis_url: str | None = None
    dev_mode: bool = False
    pseudonym_key: SecretStr | None = None  # base64 or hex, >= 32 bytes
    pseudonym_key_version: int = Field(default=1, ge=1)
    encryption_key: SecretStr | None = None  # key-encryption key, 32 bytes
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    consumer: ConsumerSettings = ConsumerSettings()

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'ledger.db').resolve()}"

    def keys(self) -> tuple[bytes, bytes]:
        """(pseudonym key, key-encryption key); refuses missing or weak keys outside dev mode."""
        if self.pseudonym_key and self.encryption_key:
            pkey = decode_key(self.pseudonym_key.get_secret_value(), "LEDGER_PSEUDONYM_KEY")
            kek = decode_key(self.encryption_key.get_secret_value(), "LEDGER_ENCRYPTION_KEY")
        elif self.dev_mode:
            pkey, kek = _dev_keys(self.home)
        else:
            missing = [
                n
                for n, v in (
                    ("LEDGER_PSEUDONYM_KEY", self.pseudonym_key),
                    ("LEDGER_ENCRYPTION_KEY", self.encryption_key),
                )
                if not v
            ]
            raise ConfigError(
                f"{', '.join(missing)} not set; set it to 32 random bytes (base64), "
                "or run with --dev for a local development ledger"
            )
        if len(kek) != 32:
            raise ConfigError("LEDGER_ENCRYPTION_KEY must be exactly 32 bytes (AES-256)")
        try:
            check_key_strength(pkey, "LEDGER_PSEUDONYM_KEY")
            check_key_strength(kek, "LEDGER_ENCRYPTION_KEY")
        except WeakKeyError as exc:
            raise ConfigError(str(exc)) from None
        return pkey, kek


def decode_key(text: str, name: str) -> bytes:
    text = text.strip()
    try:
        if len(text) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in text):
            return bytes.fromhex(text)
        # standard or URL-safe alphabet, padding optional
        padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
        return base64.b64decode(padded, validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError(f"{name} is neither hex nor base64") from None


def _dev_keys(home: Path) -> tuple[bytes, bytes]:
    """Random keys kept in the dev home, created once: development only."""
    path = home / "dev-keys.json"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        doc = {"pseudonym_key": secrets.token_hex(32), "encryption_key": secrets.token_hex(32)}
        path.write_text(json.dumps(doc))
        path.chmod(0o600)
    doc = json.loads(path.read_text())
    return bytes.fromhex(doc["pseudonym_key"]), bytes.fromhex(doc["encryption_key"])


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]

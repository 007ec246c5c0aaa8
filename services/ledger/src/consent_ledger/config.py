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

from .core.notes import COSIGNATURE, ED25519, NoteError, NoteSigner, NoteVerifier
from .core.pseudonyms import WeakKeyError, check_key_strength
from .core.sealing import derive_key
from .errors import ConfigError, NoLedger
from .locations import DEFAULT_HOME

__all__ = ["ConfigError", "NoLedger", "Settings", "decode_key", "load_settings"]


class ConsumerSettings(BaseModel):
    batch_size: int = Field(
        default=500, ge=1, le=10_000, description="Stream entries per batch (one transaction)"
    )
    poll_ms: int = Field(default=100, ge=1, description="How long a read waits for new entries, in ms")
    reclaim_idle_ms: int = Field(
        default=30_000,
        ge=100,
        description="Entries pending this long (their consumer crashed) are reclaimed, in ms",
    )
    max_deliveries: int = Field(
        default=5, ge=2, description="An entry delivered this often without a commit is dead-lettered"
    )
    consumer_name: str = Field(
        default_factory=lambda: f"ledger-{os.getpid()}",
        description="This replica's name in consumer group `ledger` (default: ledger-<pid>)",
    )
    screening_workers: int = Field(
        default=2,
        ge=0,
        le=64,
        description="Processes that parse, check and prepare batches beside the writer; 0: a thread",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", env_nested_delimiter="__")

    home: Path = Field(
        default=DEFAULT_HOME,
        description="Where the SQLite files, the embedded Redis's data and development keys live",
    )
    database_url: str | None = Field(
        default=None,
        description="postgresql://user@host/db for PostgreSQL (default: SQLite, ledger.db in the home)",
    )
    redis_url: str | None = Field(
        default=None,
        description="The Redis producers publish to; run it with appendonly yes (default, `up` only: an "
        "embedded redis-server)",
    )
    dev_mode: bool = Field(
        default=False,
        description="Development mode (`up --dev`): local random keys in the home; never in production",
    )
    create_ledger: bool = True  # False for the commands that read an existing ledger (cli/context.py)
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="At least 32 random bytes, hex or base64: the HMAC key of the BSN pseudonyms; "
        "refused when missing outside development mode",
    )
    pseudonym_key_version: int = Field(
        default=1, ge=1, description="The version written into pseudonyms (p1-…)"
    )
    encryption_key: SecretStr | None = Field(
        default=None,
        description="32 random bytes, hex or base64: wraps the per-subject data keys; refused when "
        "missing outside development mode",
    )
    previous_encryption_keys: SecretStr | None = Field(
        default=None,
        description="Key-encryption keys that still unwrap data keys not yet re-wrapped by "
        "`consent-ledger keys rewrap` (space- or comma-separated, hex or base64): a rotation",
    )
    dead_letter_key: SecretStr | None = Field(
        default=None,
        description="32 bytes: seals refused bodies on the dead-letter stream (default: derived from "
        "the encryption key); give the operator who works them a key of their own",
    )
    log_origin: str = Field(
        default="consent-ledger.local",
        description="Names this ledger in checkpoints: origin <log_origin>/<chain>, key name <log_origin>",
    )
    organisation: str = Field(
        default="oin:00000000000000000000",
        pattern=r"^(oin:[0-9]{20}|kvknr:[0-9]{8})$",
        description="The controller's OIN (or KvK number): the source of the ledger's own events, "
        "published as CloudEvents (urn:nld:oin:<OIN>:systeem:<producer>); set it to yours",
    )
    checkpoint_keys: SecretStr | None = Field(
        default=None,
        description="PRIVATE+KEY+… from `keys generate $LEDGER_LOG_ORIGIN`; several (space-separated) "
        "all sign: a key rotation. Refused when missing outside development mode",
    )
    witness_keys: str = Field(
        default="",
        description="Public keys of the witnesses whose cosignatures the ledger keeps and serves",
    )
    operations_controller: str = Field(
        default="werkcorporatie",
        description="The chain that records the ledger's own operations (a dead letter dropped) when "
        "the event names no controller",
    )
    erasure_journal: Path | None = Field(
        default=None,
        description="Where destroyed keys' handles are journalled for replay after a restore "
        "(default: erasures.jsonl in the home); keep it outside the database's backups",
    )
    register_dir: Path | None = Field(
        default=None, description="In development mode, `up` publishes the registers in this folder"
    )
    privacy_contacts: dict[str, str] = Field(
        default_factory=dict,
        description="Per controller (chain), how a resident reaches its data protection officer (FG), "
        'as JSON: {"werkcorporatie": "privacy@werkcorporatie.nl, 0527 000 000"}; the access report '
        "names it (GDPR art. 38(4))",
    )
    retention_hour: int = Field(default=2, ge=0, le=23, description="Hour (UTC) of the daily retention run")
    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="Where users reach the API (the reverse proxy's https URL): the base of the URIs "
        "an LDV export gives each processing activity (/v1/registers/<controller>/activities/<id>)",
    )
    http_host: str = Field(default="127.0.0.1", description="Address the HTTP API listens on")
    http_port: int = Field(default=8080, description="Port of the HTTP API")
    http_max_body: int = Field(
        default=4 * 1024 * 1024,
        ge=1024,
        description="Largest request body, in bytes; larger is refused (413)",
    )
    consumer: ConsumerSettings = ConsumerSettings()
    notifier_reads_streams: bool = Field(
        default=True,
        description="The notifier runs beside the ledger and reads the consent stream: `serve` trims it "
        "only once the notifier's group has read it too (false for a ledger without the notifier)",
    )

    def erasure_journal_path(self) -> Path:
        return self.erasure_journal or self.home / "erasures.jsonl"

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
                "or set LEDGER_DEV_MODE=true (`up --dev`) for a local development ledger"
            )
        if len(kek) != 32:
            raise ConfigError("LEDGER_ENCRYPTION_KEY must be exactly 32 bytes (AES-256)")
        try:
            check_key_strength(pkey, "LEDGER_PSEUDONYM_KEY")
            check_key_strength(kek, "LEDGER_ENCRYPTION_KEY")
        except WeakKeyError as exc:
            raise ConfigError(str(exc)) from None
        return pkey, kek

    def keks(self) -> tuple[bytes, ...]:
        """The key-encryption key, then the previous ones of a rotation: what opens a data key."""
        return (self.keys()[1], *self.previous_keks())

    def previous_keks(self) -> tuple[bytes, ...]:
        """The previous key-encryption keys of a rotation (LEDGER_PREVIOUS_ENCRYPTION_KEYS)."""
        if not self.previous_encryption_keys:
            return ()
        texts = self.previous_encryption_keys.get_secret_value().replace(",", " ").split()
        keys = tuple(decode_key(t, "LEDGER_PREVIOUS_ENCRYPTION_KEYS") for t in texts)
        if any(len(k) != 32 for k in keys):
            raise ConfigError("LEDGER_PREVIOUS_ENCRYPTION_KEYS: each key must be exactly 32 bytes")
        return keys

    def ldv_key(self) -> bytes:
        """The key that encrypts the subject ids of an LDV export (app.ldv), derived from the
        key-encryption key; `consent-ledger keys ldv` prints it for the LDV tooling's operator."""
        _, kek = self.keys()
        return derive_key(kek, b"consent-ledger/v1/ldv-subject-key")

    def dead_letter_key_bytes(self) -> bytes:
        """The key refused bodies are sealed under (32 bytes). Unset, it is derived from the
        key-encryption key (HKDF-Expand, RFC 5869 §2.3); set it to give the operator who works the
        dead letters a key of their own."""
        if self.dead_letter_key:
            key = decode_key(self.dead_letter_key.get_secret_value(), "LEDGER_DEAD_LETTER_KEY")
            if len(key) != 32:
                raise ConfigError("LEDGER_DEAD_LETTER_KEY must be exactly 32 bytes (AES-256)")
            return key
        _, kek = self.keys()
        return derive_key(kek, b"consent-ledger/v2/dead-letter-key")

    def checkpoint_signers(self) -> list[NoteSigner]:
        """The keys that sign checkpoints (all of them sign each one: rotation). Refused when
        missing outside dev mode; in dev mode one is made and kept in the dev home."""
        if self.checkpoint_keys:
            texts = self.checkpoint_keys.get_secret_value().replace(",", " ").split()
        elif self.dev_mode:
            texts = [_dev_checkpoint_key(self.home, self.log_origin)]
        else:
            raise ConfigError(
                "LEDGER_CHECKPOINT_KEYS not set; make one with `consent-ledger keys generate "
                f"{self.log_origin}` and keep it secret, or set LEDGER_DEV_MODE=true (`up --dev`) for a "
                "local ledger"
            )
        try:
            signers = [NoteSigner.from_string(t) for t in texts]
        except NoteError as exc:
            raise ConfigError(f"LEDGER_CHECKPOINT_KEYS: {exc}") from None
        wrong = [s.name for s in signers if s.name != self.log_origin or s.sig_type != ED25519]
        if wrong or not signers:
            raise ConfigError(
                f"LEDGER_CHECKPOINT_KEYS: every key must be an Ed25519 checkpoint key named "
                f"{self.log_origin!r} (LEDGER_LOG_ORIGIN); found {', '.join(wrong) or 'none'}"
            )
        return signers

    def witness_verifiers(self) -> list[NoteVerifier]:
        try:
            found = [NoteVerifier.from_string(t) for t in self.witness_keys.replace(",", " ").split()]
        except NoteError as exc:
            raise ConfigError(f"LEDGER_WITNESS_KEYS: {exc}") from None
        if any(v.sig_type != COSIGNATURE for v in found):
            raise ConfigError("LEDGER_WITNESS_KEYS: witness keys are cosignature keys (type 0x04)")
        return found


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


def _dev_checkpoint_key(home: Path, name: str) -> str:
    """A checkpoint key kept in the dev home, made once per log origin: development only."""
    path = home / "dev-checkpoint-keys.json"
    keys = json.loads(path.read_text()) if path.exists() else {}
    if name not in keys:
        home.mkdir(parents=True, exist_ok=True)
        keys[name] = NoteSigner.generate(name).private_string()
        path.write_text(json.dumps(keys))
        path.chmod(0o600)
    return str(keys[name])


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]

"""Rotating the key-encryption key (docs/operations.md, "Keys"): with the new key current and the
old one previous, the ledger appends and reads as before; `consent-ledger keys rewrap` re-wraps every
data key, resumably; afterwards the new key alone opens them all; a data key no given key opens is
reported and left as it was; a key erased meanwhile is not brought back."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from consent_ledger.app.ingest import RawEntry
from consent_ledger.bootstrap.privacy import build_privacy
from consent_ledger.config import Settings
from consent_ledger.core.sealing import new_data_key, unwrap_key, wrap_key
from cryptography.exceptions import InvalidTag
from sqlalchemy import text

from tests.conftest import PSEUDONYM_KEY
from tests.support.factories import OTHER_BSN, VALID_BSN, consent, disclosure

CLI = [sys.executable, "-m", "consent_platform.cli"]


def settings(url: str, home: Path, kek: str, previous: str | None = None) -> Settings:
    return Settings(
        home=home,
        database_url=url,
        pseudonym_key=PSEUDONYM_KEY,
        encryption_key=kek,
        previous_encryption_keys=previous,
        dev_mode=True,
    )


def append(s: Settings, *bodies: dict) -> None:
    from consent_ledger.app.ingest import IngestService

    privacy = build_privacy(s)
    try:
        ingest = IngestService(privacy.appender, privacy.pseudonyms, None)
        entries = [
            RawEntry("test", f"{i}-0", {b"event": json.dumps(b).encode()}) for i, b in enumerate(bodies)
        ]
        result = ingest.handle(entries)
        assert not result.dead_letters and result.outcome.appended == len(bodies), result
    finally:
        privacy.store.dispose()


def wrapped(s: Settings) -> dict[str, bytes]:
    privacy = build_privacy(s)
    try:
        return dict(privacy.store.wrapped_page("", 10_000))
    finally:
        privacy.store.dispose()


def rewrap(home: Path, url: str, kek: str, previous: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(
        LEDGER_HOME=str(home),
        LEDGER_DATABASE_URL=url,
        LEDGER_PSEUDONYM_KEY=PSEUDONYM_KEY,
        LEDGER_ENCRYPTION_KEY=kek,
        LEDGER_DEV_MODE="true",
    )
    if previous:
        env["LEDGER_PREVIOUS_ENCRYPTION_KEYS"] = previous
    return subprocess.run(CLI + ["keys", "rewrap"], env=env, capture_output=True, text=True, timeout=120)


def test_the_key_encryption_key_is_rotated_without_losing_a_key(database_url, tmp_path):
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    home = tmp_path / "home"
    append(settings(database_url, home, old), disclosure(bsn=VALID_BSN), consent("given", VALID_BSN))
    before = wrapped(settings(database_url, home, old))
    assert before

    # the new key current, the old one previous: an existing subject's key still opens, a new
    # subject's is wrapped by the new key
    during = settings(database_url, home, new, old)
    append(during, disclosure(bsn=VALID_BSN), disclosure(bsn=OTHER_BSN))
    mixed = wrapped(during)
    assert len(mixed) > len(before)

    done = rewrap(home, database_url, new, old)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "re-wrapped" in done.stdout
    after = wrapped(during)
    assert after.keys() == mixed.keys()
    for key_id, w in after.items():  # the new key alone opens every data key, the same data key
        assert unwrap_key(bytes.fromhex(new), w, key_id) == unwrap_key(
            bytes.fromhex(old), mixed[key_id], key_id, [bytes.fromhex(new)]
        )
    append(settings(database_url, home, new), consent("withdrawn", VALID_BSN))  # no previous key any more

    again = rewrap(home, database_url, new, None)
    assert again.returncode == 0 and "re-wrapped 0 data keys" in again.stdout

    # a data key no given key opens: reported, exit 1, left as it was
    stranger = wrap_key(secrets.token_bytes(32), new_data_key(), "s-stranger")
    privacy = build_privacy(settings(database_url, home, new))
    with privacy.store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO subject_key (key_id, wrapped) VALUES ('s-stranger', :w)"), {"w": stranger}
        )
    refused = rewrap(home, database_url, new, old)
    assert refused.returncode == 1 and "1 are opened by none" in refused.stdout
    assert dict(privacy.store.wrapped_page("", 10_000))["s-stranger"] == stranger

    # a key erased (deleted) between reading and writing is not brought back
    some_id, some = next(iter(after.items()))
    assert privacy.store.replace_wrapped([(some_id, b"not what is stored", some)]) == 0
    privacy.store.dispose()


def test_unwrap_tries_the_current_key_then_the_previous_ones():
    kek, old, other = (secrets.token_bytes(32) for _ in range(3))
    data_key = new_data_key()
    by_old = wrap_key(old, data_key, "s-1")
    assert unwrap_key(kek, by_old, "s-1", [other, old]) == data_key
    with pytest.raises(InvalidTag):
        unwrap_key(kek, by_old, "s-1", [other])
    with pytest.raises(InvalidTag):
        unwrap_key(kek, by_old, "s-2", [old])  # bound to its key id

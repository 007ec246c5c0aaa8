"""Issue 28 item 19, through the operator's and the auditor's commands: what `checkpoint` prints,
saved as it is, is what `verify --checkpoint` reads; after a key rotation every chain is signed by
the new key, idle ones included; and a verifier given a key fails when nothing is signed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support.privacy_world import World, world_cli
from tests.system.test_integrity import keypair

ORIGIN = "consent-ledger.local"


@pytest.fixture
def any_world(database_url: str, tmp_path: Path) -> World:
    """Four registers on four chains, on either database."""
    w = World(database_url, tmp_path / "home")
    w.store.dispose()
    return w


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path / "home")  # four registers, four chains
    w.store.dispose()
    return w


def _keys(tmp_path: Path, name: str) -> tuple[str, Path]:
    private, public = keypair({**os.environ, "LEDGER_HOME": str(tmp_path / "keys")}, ORIGIN)
    (tmp_path / f"{name}.pub").write_text(public + "\n")
    return private, tmp_path / f"{name}.pub"


def test_saved_checkpoints_verify_a_rotation_resigns_idle_chains_and_nothing_signed_fails(
    any_world, tmp_path
):
    world = any_world
    old_private, old_public = _keys(tmp_path, "old")
    new_private, new_public = _keys(tmp_path, "new")

    signed = world_cli(world, "checkpoint", LEDGER_CHECKPOINT_KEYS=old_private)
    assert signed.returncode == 0, signed.stderr
    assert "\n\n\n" not in signed.stdout and signed.stdout.count(f"{ORIGIN}/") == 4
    saved = tmp_path / "saved.note"
    saved.write_text(signed.stdout)  # saved exactly as printed, four chains' notes after each other
    checked = world_cli(world, "verify", "--key", str(old_public), "--checkpoint", str(saved))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("extends chain") == 4

    # the rotation: both keys configured, no chain grows; the new key alone checks every chain
    both = f"{old_private} {new_private}"
    resigned = world_cli(world, "checkpoint", LEDGER_CHECKPOINT_KEYS=both)
    assert resigned.returncode == 0, resigned.stderr
    assert resigned.stdout.count("\n— ") == 8  # each of the four notes signed by both keys
    with_new = world_cli(world, "verify", "--key", str(new_public))
    assert with_new.returncode == 0, with_new.stdout + with_new.stderr
    assert with_new.stdout.count("signed  chain") == 4 and "bad-checkpoint" not in with_new.stdout
    # the sizes did not change: the same trees, signed again
    assert [line for line in signed.stdout.splitlines() if line.isdigit()] == [
        line for line in resigned.stdout.splitlines() if line.isdigit()
    ]

    # a database administrator strips every checkpoint: a verifier given a key must fail
    with world.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM checkpoint"))
    world.store.dispose()
    stripped = world_cli(world, "verify", "--key", str(new_public))
    assert stripped.returncode == 1, stripped.stdout
    assert stripped.stdout.count("UNSIGNED chain") == 4
    # without a key, verify checks the hashes only and says what is unsigned, as before
    assert world_cli(world, "verify").returncode == 0


def test_a_restore_is_reported_rolled_back_and_the_backup_command_makes_one(world, tmp_path):
    from ledger_contracts.vocabulary import SubjectRight

    from tests.support.factories import VALID_BSN, consent
    from tests.support.privacy_world import T0

    private, public = _keys(tmp_path, "log")
    keyed = {"LEDGER_CHECKPOINT_KEYS": private}
    live = tmp_path / "ledger.db"
    world.add(consent(occurred_at=T0.isoformat()))  # a photo consent: erased on request
    assert world_cli(world, "checkpoint", **keyed).returncode == 0
    backup = tmp_path / "backups" / "ledger-0.db"
    made = world_cli(world, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert "integrity ok" in made.stdout and backup.stat().st_mode & 0o777 == 0o600
    assert world_cli(world, "backup", str(backup)).returncode == 2  # never overwrites

    # after the backup: an erasure request, decided; the auditor saves the checkpoint that signs it
    me = world.pseudonyms.pseudonym(VALID_BSN)
    request = world.rights.receive(me, "werkcorporatie", SubjectRight.ERASURE, "medewerker-17")
    assert world.rights.decide_erasure(request.request_id, "privacy-officer").erased_keys == 1
    world.store.dispose()
    assert world_cli(world, "checkpoint", **keyed).returncode == 0
    saved = tmp_path / "auditor.json"
    audit = world_cli(world, "verify", "--key", str(public), "--checkpoint", str(saved))
    assert audit.returncode == 0, audit.stdout + audit.stderr

    # the restore: the backup back in place, then the journal destroys the key again
    for extra in ("-wal", "-shm"):
        Path(f"{live}{extra}").unlink(missing_ok=True)
    live.write_bytes(backup.read_bytes())
    replayed = world_cli(world, "retention", "replay")  # the journal LEDGER_ERASURE_JOURNAL names
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed: 1 keys destroyed again" in replayed.stdout, replayed.stdout
    after = world_cli(world, "verify", "--key", str(public), "--checkpoint", str(saved))
    assert after.returncode == 1
    assert "rolled-back" in after.stdout and "restored from an older backup" in after.stdout
    # what the restore lost: the request and its decision (docs/operations.md says how to redo them)
    listed = world_cli(world, "request", "list")
    assert listed.stdout.splitlines()[-1] == "0 requests"

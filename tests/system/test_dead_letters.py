"""An operator works the dead letters against a real Redis and the real consumer: a refused event is
stored masked with its body sealed, shown, fixed and replayed (appended exactly once), or dropped
with the drop recorded on the ledger."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from consent_ledger.adapters.broker.dead_letter_box import RedisDeadLetterBox
from consent_ledger.app.dead_letters import DeadLetterDesk, DeadLetterError
from ledger_contracts.streams import DEAD_LETTER_STREAM, DISCLOSURE_STREAM

from tests.conftest import ENCRYPTION_KEY, PSEUDONYM_KEY, REDIS_URL
from tests.support.factories import PRODUCER_SIGNER, VALID_BSN, disclosure, signed
from tests.support.harness import eventually, running_ledger, settings_for

HEALTH = "Heeft een burn-out en rugklachten"  # health details a producer put in the clear


def cli(args, home, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
    if database_url:
        env["LEDGER_DATABASE_URL"] = database_url  # the ledger whose producers a replay is checked against
    env.update(
        LEDGER_HOME=str(home),
        LEDGER_REDIS_URL=REDIS_URL,
        LEDGER_PSEUDONYM_KEY=PSEUDONYM_KEY,
        LEDGER_ENCRYPTION_KEY=ENCRYPTION_KEY,
    )
    cmd = [sys.executable, "-m", "consent_platform.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


async def test_show_fix_replay_once_and_drop_recorded(redis_client, database_url, tmp_path):
    r = redis_client
    broken = disclosure()
    broken["data"]["purpose"] = f"Re-integratie; {HEALTH}"  # free text where a code belongs
    unreadable = disclosure()
    unreadable["data"]["channel"] = "carrier-pigeon"
    r.xadd(DISCLOSURE_STREAM, signed(broken))
    r.xadd(DISCLOSURE_STREAM, signed(unreadable))
    settings = settings_for(database_url, tmp_path)
    async with running_ledger(settings) as ledger:
        await eventually(lambda: r.xlen(DEAD_LETTER_STREAM) == 2, what="2 dead letters")
        stored = repr(r.xrange(DEAD_LETTER_STREAM))
        assert HEALTH not in stored and VALID_BSN not in stored and "Voortgang" not in stored

        listed = cli(["dead-letters", "list"], tmp_path, database_url)
        assert listed.returncode == 0 and "data.purpose" in listed.stdout and "data.channel" in listed.stdout
        desk = DeadLetterDesk(
            RedisDeadLetterBox(REDIS_URL), settings.dead_letter_key_bytes(), "werkcorporatie"
        )
        (first, shown), (second, _) = desk.list()
        assert json.loads(shown["paths"]) == ["data.purpose"] and shown["event_id"] == broken["event_id"]
        assert json.loads(shown["structure"])["data"]["purpose"].startswith("<string")

        # the operator holds the key
        opened = cli(["dead-letters", "show", first, "--original"], tmp_path, database_url)
        assert opened.returncode == 0 and json.loads(opened.stdout) == broken

        # unchanged, it would be refused again
        still = cli(["dead-letters", "replay", first], tmp_path, database_url)
        assert still.returncode == 1 and "still-refused" in still.stderr
        fixed = dict(broken, data={**broken["data"], "purpose": "participatie"})
        (tmp_path / "fixed.json").write_text(json.dumps(fixed))
        unsigned = cli(
            ["dead-letters", "replay", first, "--fixed", str(tmp_path / "fixed.json")], tmp_path, database_url
        )
        assert (
            unsigned.returncode == 1 and "signature-needed" in unsigned.stderr
        )  # only its producer signs it
        fix = ["dead-letters", "replay", first, "--fixed", str(tmp_path / "fixed.json")]
        # a signature that is not the producer's of this body is refused before anything is published
        forged = PRODUCER_SIGNER.sign(json.dumps(broken).encode())
        refused = cli([*fix, "--sig", forged], tmp_path, database_url)
        assert refused.returncode == 1 and "still-refused" in refused.stderr, refused.stderr
        assert "nothing was published" in refused.stderr and r.xlen(DEAD_LETTER_STREAM) == 2
        alone = cli(["dead-letters", "replay", first, "--sig", forged], tmp_path, database_url)
        assert alone.returncode == 2 and "--fixed" in alone.stderr  # --sig signs a fix: never ignored
        sig = PRODUCER_SIGNER.sign((tmp_path / "fixed.json").read_bytes())  # the producer signs its fix
        replayed = cli([*fix, "--sig", sig], tmp_path, database_url)
        assert replayed.returncode == 0, replayed.stderr
        await eventually(lambda: ledger.store.count_entries() == 1, what="the fixed event appended")
        try:
            desk.replay(first, json.dumps(fixed).encode(), sig)
            raise AssertionError("a replayed dead letter is gone")
        except DeadLetterError as exc:
            assert exc.reason == "no-such-dead-letter"
        r.xadd(DISCLOSURE_STREAM, signed(fixed))  # the producer retries as well
        await eventually(
            lambda: ledger.metrics.registry.get_sample_value("ledger_events_duplicate_total") == 1,
            what="the retry seen as a duplicate",
        )
        assert ledger.store.count_entries() == 1  # appended exactly once

        drop = ["dead-letters", "drop", second, "--reason", "test-event", "--by", "beheer1"]
        dropped = cli(drop, tmp_path, database_url)
        assert dropped.returncode == 0, dropped.stderr
        await eventually(lambda: ledger.store.count_entries() == 2, what="the drop on the ledger")
        assert r.xlen(DEAD_LETTER_STREAM) == 0
        last = json.loads(list(ledger.store.iter_entries("werkcorporatie"))[-1].body)["event"]
        assert last["event_type"] == "dead-letter.dropped"
        assert (last["data"]["drop_reason"], last["data"]["dropped_by"]) == ("test-event", "beheer1")
        assert last["data"]["refusal"] == "validation_failed"

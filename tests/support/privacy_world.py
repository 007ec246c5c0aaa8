"""A ledger with the four seed registers in force and a clock the test sets: the world the
retention, erasure, subject-rights and access-report tests run in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from consent_ledger.app.records import prepare_event
from consent_ledger.app.registers import load_register, publish_register
from consent_ledger.bootstrap.api import build_api
from consent_ledger.bootstrap.ledger import Ledger, build_ledger
from consent_ledger.bootstrap.privacy import build_privacy
from consent_ledger.bootstrap.store import build_store
from consent_ledger.config import Settings
from fastapi import FastAPI
from ledger_contracts import parse_event

from tests.conftest import ENCRYPTION_KEY, PSEUDONYM_KEY, REDIS_URL
from tests.support.factories import VALID_BSN

REGISTERS = Path(__file__).resolve().parents[2] / "register"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


class World:
    """A ledger with the four seed registers in force, a settable clock and a retention service."""

    def __init__(self, database_url: str, home: Path) -> None:
        self.settings = Settings(
            home=home,
            database_url=database_url,
            pseudonym_key=PSEUDONYM_KEY,
            encryption_key=ENCRYPTION_KEY,
            dev_mode=True,
        )
        self.store = build_store(self.settings)
        self.clock = Clock(T0)
        self.privacy = build_privacy(self.settings, self.store, self.clock)
        self.kek, self.pseudonyms, self.appender = (
            self.privacy.kek,
            self.privacy.pseudonyms,
            self.privacy.appender,
        )
        for path in sorted(REGISTERS.glob("*.yaml")):
            publish_register(self.appender, self.pseudonyms, load_register(path), "privacy-officer", T0)
        self.journal = self.privacy.journal
        self.retention, self.rights = self.privacy.retention, self.privacy.rights
        self.rights_reads = self.privacy.rights_reads

    def http_api(self, **settings: object) -> tuple[Ledger, FastAPI]:
        """The whole HTTP API over this world, built by the composition root on its store and its
        clock (`settings`: what differs, e.g. the public URL); nothing connects to Redis yet."""
        changed = self.settings.model_copy(update=settings)
        ledger = build_ledger(changed, REDIS_URL, self.store)
        return ledger, build_api(changed, ledger, privacy=self.privacy).app

    def add(self, *bodies: dict) -> None:
        prepared = [prepare_event(parse_event(json.dumps(b).encode()), self.pseudonyms) for b in bodies]
        outcome = self.appender.append(prepared, [f"test/{i}" for i in range(len(prepared))])
        assert outcome.appended == len(bodies)

    def due_scopes(self, at: datetime) -> set[tuple[str, str]]:
        return {(e.scope.controller, e.scope.activity) for e in self.retention.plan(at).due}


def lifecycle(kind: str, controller: str, activity: str, at: datetime, bsn: str = VALID_BSN, **data) -> dict:
    body = {
        "event_id": str(uuid.uuid4()),
        "event_type": kind,
        "schema_version": 2,
        "occurred_at": at.isoformat(),
        "producer": "gemeente-noordoostpolder.participatie",
        "controller": controller,
        "processing_activity": activity,
        "data": {"subject": {"bsn": bsn}, "recorded_by": "medewerker-17", **data},
    }
    if kind.startswith("case."):
        body["data"]["case_id"] = str(uuid.uuid4())
    if kind == "complaint.closed":
        body["data"].setdefault("complaint_id", str(uuid.uuid4()))
    return body


def world_cli(world: World, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`consent-ledger ARGS` against the world's ledger, as its operator runs it (`env`: LEDGER_ more)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    clean.update(
        LEDGER_HOME=str(world.settings.home),
        LEDGER_DATABASE_URL=world.settings.database_url or "",
        LEDGER_PSEUDONYM_KEY=PSEUDONYM_KEY,
        LEDGER_ENCRYPTION_KEY=ENCRYPTION_KEY,
        LEDGER_DEV_MODE="true",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "consent_platform.cli", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )

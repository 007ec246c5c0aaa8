"""The Redis ACL users of docs/operations.md ("Redis users"), created from the docs' own text on a
Redis that keeps an append-only file (issue 29 item 2): under the ledger's user the trimmer trims and
rewrites the file, so a trimmed event leaves the disk, and the broker guard recreates a lost group;
under the notifier's user the notifier makes its groups, reads what the ledger accepted and writes
its outbox; a producer's user may only XADD to the event streams."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from consent_ledger.adapters.broker.groups import drop_unread_groups, ensure_groups
from consent_ledger.adapters.broker.guard import StreamGuard
from consent_ledger.adapters.broker.trimmer import StreamTrimmer
from consent_ledger.adapters.metrics import LedgerMetrics
from consent_platform.embedded_redis import EmbeddedRedis
from ledger_contracts.streams import (
    ACCEPTED_CONSENT_STREAM,
    CONSENT_STREAM,
    DEAD_LETTER_STREAM,
    DISCLOSURE_STREAM,
    EVENT_STREAMS,
    NOTIFIER_GROUP,
    NOTIFIER_STREAMS,
)

from tests.conftest import wait_until
from tests.support.factories import consent, signed

OPERATIONS = Path(__file__).resolve().parents[3] / "docs/operations.md"


def documented_users() -> dict[str, list[str]]:
    """user -> the arguments of its `ACL SETUSER` line in docs/operations.md, password `pw-<user>`."""
    section = OPERATIONS.read_text(encoding="utf-8").split("## Redis users\n", 1)[1].split("\n## ", 1)[0]
    users = {}
    for line in section.splitlines():
        if line.startswith("    ACL SETUSER "):
            _acl, _setuser, user, *rules = line.split()
            users[user] = [f">pw-{user}" if r == ">…" else r for r in rules]
    return users


@pytest.fixture
def redis_with_users(tmp_path) -> Iterator[tuple[EmbeddedRedis, str, dict[str, str]]]:
    """An embedded Redis (append-only file on) with the documented users; user -> its URL."""
    embedded = EmbeddedRedis(tmp_path)
    url = embedded.start()
    admin = redis.Redis.from_url(url)
    users = documented_users()
    assert {"ledger", "notifier"} <= set(users) and any(u.startswith("producer-") for u in users)
    for user, rules in users.items():
        admin.execute_command("ACL", "SETUSER", user, *rules)
    host = url.split("://", 1)[1]
    try:
        yield embedded, url, {user: f"redis://{user}:pw-{user}@{host}" for user in users}
    finally:
        admin.close()
        embedded.stop()


async def test_the_documented_users_do_their_work_and_no_more(redis_with_users):
    embedded, admin_url, urls = redis_with_users
    admin = redis.Redis.from_url(admin_url)
    producer_url = next(u for name, u in urls.items() if name.startswith("producer-"))
    as_producer = redis.Redis.from_url(producer_url)
    as_ledger = aioredis.Redis.from_url(urls["ledger"])
    as_notifier = aioredis.Redis.from_url(urls["notifier"])
    try:
        await ensure_groups(as_ledger)  # the ledger's groups, as `consume` and `serve` make them
        await ensure_groups(as_notifier, NOTIFIER_GROUP, NOTIFIER_STREAMS)  # as the notifier does
        await drop_unread_groups(
            as_notifier, NOTIFIER_GROUP, tuple(s for s in EVENT_STREAMS if s not in NOTIFIER_STREAMS)
        )

        # a producer publishes, and may do nothing else
        marked = consent("given", method="web", notice_version="Markeerstra")
        assert as_producer.xadd(CONSENT_STREAM, signed(marked))
        for forbidden in (
            lambda: as_producer.xrange(CONSENT_STREAM),  # read what others published
            lambda: as_producer.xadd(DEAD_LETTER_STREAM, {"x": "y"}),  # write outside the event streams
            lambda: as_producer.xadd(ACCEPTED_CONSENT_STREAM, {"x": "y"}),  # forge an accepted fact
            lambda: as_producer.delete(CONSENT_STREAM),
            lambda: as_producer.xtrim(DISCLOSURE_STREAM, maxlen=0),
            lambda: as_producer.xgroup_destroy(CONSENT_STREAM, "ledger"),
        ):
            with pytest.raises(redis.exceptions.NoPermissionError):
                forbidden()

        # the ledger reads and acknowledges it
        read = await as_ledger.xreadgroup("ledger", "c1", {CONSENT_STREAM: ">"}, count=10)
        assert read and await as_ledger.xack(CONSENT_STREAM, "ledger", read[0][1][0][0]) == 1

        def on_disk() -> bytes:
            return b"".join(p.read_bytes() for p in embedded.dir.rglob("*.aof*") if p.is_file())

        wait_until(lambda: b"Markeerstra" in on_disk(), what="the event in the append-only file")
        required = {CONSENT_STREAM: ("ledger",)}
        trimmer = StreamTrimmer(as_ledger, LedgerMetrics(), required, rewrite_every=0)
        assert await trimmer.trim_once() == 1

        def rewritten() -> bool:
            info = admin.info("persistence")
            idle = not (info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"])
            return idle and b"Markeerstra" not in on_disk()

        wait_until(rewritten, what="the append-only file rewritten without the trimmed event")

        # a lost group is recreated by the guard, under the ledger's user
        admin.xgroup_destroy(DISCLOSURE_STREAM, "ledger")
        guard = StreamGuard(as_ledger, None, LedgerMetrics(), {DISCLOSURE_STREAM: ("ledger",)})
        assert await guard.check_once() == [(DISCLOSURE_STREAM, "ledger")]

        # the notifier reads what the ledger accepted and writes its outbox and notices
        await as_ledger.xadd(ACCEPTED_CONSENT_STREAM, {"fact": json.dumps({"kind": "test"})})
        read = await as_notifier.xreadgroup(NOTIFIER_GROUP, "n1", {ACCEPTED_CONSENT_STREAM: ">"}, count=10)
        assert read and await as_notifier.xack(ACCEPTED_CONSENT_STREAM, NOTIFIER_GROUP, read[0][1][0][0])
        await as_notifier.xautoclaim(ACCEPTED_CONSENT_STREAM, NOTIFIER_GROUP, "n2", 0, "0-0")
        assert await as_notifier.xadd("ledger.events.phone", {"event": "{}"})
        assert await as_notifier.xadd("ledger.notices.uwv", {"event": "{}"})
        for forbidden_async in (
            lambda: as_notifier.xrange(DEAD_LETTER_STREAM),
            lambda: as_notifier.set("elsewhere", "x"),
            lambda: as_ledger.set("elsewhere", "x"),
            lambda: as_notifier.bgrewriteaof(),
        ):
            with pytest.raises(redis.exceptions.NoPermissionError):
                await forbidden_async()
    finally:
        as_producer.close()
        admin.close()
        await as_ledger.aclose()
        await as_notifier.aclose()

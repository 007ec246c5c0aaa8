"""A chore's failures are logged when they begin (with the traceback), change kind, every ten
minutes while they last and when they end, not once a second (issue 29 item 11)."""

from __future__ import annotations

import logging

from ledger_contracts.chore_log import ChoreLog


def test_an_outage_is_a_few_lines_not_one_a_second(caplog):
    now = [0.0]
    chore = ChoreLog(logging.getLogger("test.chore"), "the checkpoint scheduler", clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="test.chore"):
        chore.succeeded()  # working: nothing said
        for second in range(1800):  # half an hour down, tried every second
            now[0] = float(second)
            chore.failed(ConnectionError("refused") if second < 1200 else TimeoutError())
        now[0] = 1800.0
        chore.succeeded()
        chore.succeeded()
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in said] == ["ERROR", "ERROR", "ERROR", "WARNING"], said
    assert "failed (ConnectionError)" in said[0][1] and caplog.records[0].exc_info
    assert "still failing (ConnectionError) for 600 s" in said[1][1]
    assert "failed (TimeoutError)" in said[2][1]  # another kind of failure: told at once
    assert "works again after 1800 s (1800 failed attempts)" in said[3][1]


async def test_repeat_runs_the_step_through_its_failures_and_logs_them_once(caplog):
    import asyncio

    import pytest

    calls = []

    async def step() -> None:
        calls.append(1)
        if len(calls) <= 3:
            raise ConnectionError("refused")
        if len(calls) == 5:
            raise asyncio.CancelledError  # the process stops the chore

    chore = ChoreLog(logging.getLogger("test.repeat"), "the step")
    with caplog.at_level(logging.INFO, logger="test.repeat"), pytest.raises(asyncio.CancelledError):
        await chore.repeat(step, 0)
    assert len(calls) == 5  # tried again after each failure
    assert [r.levelname for r in caplog.records] == ["ERROR", "WARNING"]  # began, ended

"""One error family for the ledger (issue 30 item 6): every error class it defines is a
LedgerError of one kind (refused, damaged, unavailable, conflict); the kind gives the HTTP status
and the exit code, turned so once (the command line's mapper, the HTTP handler); a driver's outage
is mapped onto the family once, in adapters/sql/errors.py."""

import importlib
import inspect
import pkgutil
import sys

import consent_ledger
import pytest
import typer
from consent_ledger.adapters.sql.errors import (
    DatabaseUnavailable,
    DatabaseUnreachable,
    LockContention,
    WriteContention,
    translated,
)
from consent_ledger.cli.context import run
from consent_ledger.core.errors import (
    Conflict,
    Contention,
    Damaged,
    LedgerError,
    Locked,
    Refused,
    Unavailable,
    Unreachable,
)
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DataError, ProgrammingError

KINDS = (Refused, Damaged, Unavailable, Conflict)


def _error_classes() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(consent_ledger.__path__, "consent_ledger."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        found += [
            c
            for c in vars(module).values()
            if inspect.isclass(c) and issubclass(c, BaseException) and c.__module__ == info.name
        ]
    return found


def test_every_error_the_ledger_defines_is_of_one_kind():
    classes = [c for c in _error_classes() if c not in (LedgerError, *KINDS)]
    assert len(classes) > 15  # the walk sees them
    outside = [c.__qualname__ for c in classes if not issubclass(c, LedgerError)]
    assert outside == []
    kindless = [c.__qualname__ for c in classes if sum(issubclass(c, k) for k in KINDS) != 1]
    assert kindless == []


@pytest.mark.parametrize(
    ("kind", "status", "code", "word"),
    [
        (Refused, 422, 2, "refused"),
        (Damaged, 500, 1, "damaged"),
        (Unavailable, 503, 3, "unavailable"),
        (Conflict, 409, 1, "conflict"),
    ],
)
def test_the_command_line_ends_with_the_kind_s_exit_code(kind, status, code, word, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["consent-ledger"])
    app = typer.Typer()

    @app.command()
    def fails() -> None:
        raise kind("what went wrong", reason="a-reason")

    with pytest.raises(SystemExit) as ended:
        run(app)
    assert ended.value.code == code and kind.http_status == status
    said = capsys.readouterr().err
    assert f"{word}: what went wrong" in said and "Traceback" not in said


def test_a_database_outage_is_unavailable_once_translated():
    engine = create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2}
    )
    with pytest.raises(Exception) as raised, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    mapped = translated(raised.value)
    assert isinstance(mapped, DatabaseUnreachable) and isinstance(mapped, Unreachable)
    assert isinstance(mapped, DatabaseUnavailable) and isinstance(mapped, Unavailable)
    assert (mapped.http_status, mapped.reason) == (503, "database-unavailable")
    assert translated(ValueError("a bug")) is None


def test_the_database_errors_map_by_what_the_ingest_does_next(tmp_path):
    """A lock another writer holds and a key it wrote first are contention (retried at once); only the
    lock never blames an entry. A database out of reach is unreachable (never blamed); a statement
    the database refuses of its own accord is unavailable but may be an entry's doing; a DataError
    is the data's and is not translated."""
    path = tmp_path / "locked.db"
    holder, other = (
        create_engine(f"sqlite:///{path}"),
        create_engine(f"sqlite:///{path}", connect_args={"timeout": 0}),
    )
    with holder.begin() as held:
        held.execute(text("CREATE TABLE t (k INTEGER PRIMARY KEY)"))
    with holder.connect() as held:
        held.exec_driver_sql("BEGIN EXCLUSIVE")
        with pytest.raises(Exception) as locked, other.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        held.rollback()
    with holder.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(Exception) as duplicate, holder.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))

    assert isinstance(translated(locked.value), LockContention)
    assert isinstance(translated(locked.value), Locked)
    key = translated(duplicate.value)
    assert isinstance(key, WriteContention) and isinstance(key, Contention) and not isinstance(key, Locked)
    own = translated(ProgrammingError("SELECT", {}, Exception("refused of its own accord")))
    assert isinstance(own, DatabaseUnavailable) and not isinstance(own, Unreachable)
    assert translated(DataError("INSERT", {}, Exception("bytes"))) is None
    holder.dispose()
    other.dispose()

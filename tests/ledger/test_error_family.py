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
from consent_ledger.adapters.sql.errors import DatabaseUnavailable, translated
from consent_ledger.cli.context import run
from consent_ledger.core.errors import Conflict, Damaged, LedgerError, Refused, Unavailable
from sqlalchemy import create_engine, text

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
    assert isinstance(mapped, DatabaseUnavailable) and isinstance(mapped, Unavailable)
    assert (mapped.http_status, mapped.reason) == (503, "database-unavailable")
    assert translated(ValueError("a bug")) is None

"""`verify` finds the ledger's database without the settings (consent_ledger.locations), and must
find the same one the settings name, whatever the environment and the --database-url option say."""

from __future__ import annotations

import itertools
import os

import pytest
from consent_ledger.config import Settings
from consent_ledger.locations import database_url

URLS = [None, "", "postgresql://ledger@db.internal/ledger", "sqlite:////var/lib/ledger/ledger.db"]
HOMES = [None, "", "/srv/consent-ledger", "relative/home"]
CASES = list(itertools.product(URLS, HOMES, [None, "", "postgresql://other@db/x"], [False, True]))


@pytest.mark.parametrize(("env_url", "env_home", "option", "lower_case"), CASES)
def test_the_database_is_where_the_settings_say(monkeypatch, tmp_path, env_url, env_home, option, lower_case):
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.upper().startswith("LEDGER_")]:
        monkeypatch.delenv(key)
    named = (lambda n: n.lower()) if lower_case else (lambda n: n)  # pydantic-settings ignores case
    if env_url is not None:
        monkeypatch.setenv(named("LEDGER_DATABASE_URL"), env_url)
    if env_home is not None:
        monkeypatch.setenv(named("LEDGER_HOME"), env_home)
    given = {} if option is None else {"database_url": option}
    assert database_url(option) == Settings(create_ledger=False, **given).resolved_database_url()

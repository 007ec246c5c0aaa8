"""docs/configuration.md is what the settings are (issue 30 item 9): written from the settings by
scripts/configuration.py, and every setting an operator can give says what it does."""

import subprocess
import sys
from pathlib import Path

from consent_ledger.config import ConsumerSettings, Settings
from consent_notifier.config import NotifierSettings

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_is_what_the_settings_say():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/configuration.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_every_setting_says_what_it_does():
    internal = {"create_ledger", "consumer"}
    silent = [
        f"{model.__name__}.{name}"
        for model in (Settings, ConsumerSettings, NotifierSettings)
        for name, field in model.model_fields.items()
        if name not in internal and not (field.description or "").strip()
    ]
    assert silent == []
    page = (ROOT / "docs/configuration.md").read_text(encoding="utf-8")
    assert "`LEDGER_CONSUMER__BATCH_SIZE`" in page and "`NOTIFIER_REDIS_URL`" in page

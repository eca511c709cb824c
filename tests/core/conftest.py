from __future__ import annotations

import pytest

from tests.support.service import api_client, settings_for


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty service home; no config file unless a test writes one."""
    monkeypatch.setenv("MAILING_MANAGER_HOME", str(tmp_path))
    for name in list(__import__("os").environ):
        if name.startswith("MAILING_MANAGER_") and name != "MAILING_MANAGER_HOME":
            monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture
def api(home):
    with api_client(settings_for(home)) as client:
        yield client

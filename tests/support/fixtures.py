"""Fixtures shared by the domain test folders (import them in a conftest)."""

from __future__ import annotations

import os

import pytest

from tests.support.service import api_client, settings_for


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty service home, no config file, no MAILING_MANAGER_* overrides."""
    for name in list(os.environ):
        if name.startswith("MAILING_MANAGER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MAILING_MANAGER_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def api(home):
    """An authenticated in-process client of a service on SQLite in `home`."""
    with api_client(settings_for(home)) as client:
        yield client

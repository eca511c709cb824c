from __future__ import annotations

import pytest

from tests.support.fixtures import home  # noqa: F401
from tests.support.service import live_service, settings_for

PASSWORD = "Adapter-Pässword-7c1e"


@pytest.fixture
def service(home):  # noqa: F811
    """The real service on a loopback port, on SQLite in `home`."""
    with live_service(settings_for(home)) as live:
        yield live


@pytest.fixture
def account(service):
    """An account stored through the REST API, with a known password."""
    server = {"host": "127.0.0.1", "port": 1, "security": "none", "password": PASSWORD}
    body = {"name": "Work", "email": "me@example.com", "imap": server, "smtp": server}
    with service.client() as http:
        created = http.post("/api/accounts", json=body)
    assert created.status_code == 201, created.text
    return created.json()

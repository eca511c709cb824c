"""A service whose webhooks may reach receivers on this machine, retrying fast."""

from __future__ import annotations

import pytest

from tests.outbound.helpers import FAST_OUTBOUND
from tests.support.fixtures import api, home  # noqa: F401
from tests.support.service import api_client, settings_for


@pytest.fixture
def outbound_api(home):  # noqa: F811
    """An in-process client (workers running); `client.app.state.ctx` is the ctx."""
    with api_client(settings_for(home, outbound=FAST_OUTBOUND)) as client:
        yield client

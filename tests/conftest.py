"""Shared fixtures. Server implementations live in tests/support."""

from collections.abc import Callable, Iterator

import pytest

from tests.support import services
from tests.support.dovecot import DovecotServer
from tests.support.factories import started
from tests.support.loopback_only import loopback_only
from tests.support.node_receiver import NodeReceiver
from tests.support.receiver import HttpReceiver
from tests.support.smtp import SmtpServer


@pytest.fixture(scope="session", autouse=True)
def _stay_on_loopback() -> Iterator[None]:
    """No test reaches past this machine, whatever URL it configures."""
    with loopback_only():
        yield


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """One Dovecot for the run; create users with dovecot.new_user()."""
    with DovecotServer() as server:
        yield server


@pytest.fixture(scope="session")
def smtp_server(dovecot: DovecotServer) -> Iterator[SmtpServer]:
    """Plain SMTP with AUTH that delivers into `dovecot`; add logins with add_user."""
    with SmtpServer(dovecot) as server:
        yield server


@pytest.fixture
def dovecot_factory() -> Iterator[Callable[..., DovecotServer]]:
    """A private Dovecot per call, e.g. dovecot_factory(tls=True), for tests that
    stop it or need TLS."""
    with started(DovecotServer) as make:
        yield make


@pytest.fixture
def receiver() -> Iterator[Callable[..., HttpReceiver]]:
    """receiver([500, 200], headers=..., delay=...) -> a running HttpReceiver."""
    with started(HttpReceiver) as make:
        yield make


@pytest.fixture
def node_receiver() -> Iterator[Callable[..., NodeReceiver]]:
    """node_receiver(secret) -> a running Node.js receiver checking signatures."""
    with started(NodeReceiver) as make:
        yield make


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return services.postgres_url_or_skip()


@pytest.fixture(scope="session")
def redis_url() -> str:
    return services.redis_url_or_skip()

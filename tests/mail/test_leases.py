"""Each account is watched by exactly one process; a dead holder is replaced."""

import secrets
from datetime import timedelta

import psycopg
import pytest

from app.context import build_context
from app.kit.ids import utcnow
from app.mail import watchstate
from app.mail.watcher import WatchSupervisor
from app.models import AccountWatch
from tests.mail.helpers import (
    IMAP_TIMINGS,
    create_account,
    events,
    message,
    received,
    wait_for,
    wait_received,
)
from tests.support.service import api_client, settings_for


@pytest.fixture
def pg_url(postgres_url):
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"mm_test_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def service_settings(home, database_url=None):
    extra = {"database": {"url": database_url}} if database_url else {}
    return settings_for(home, imap=IMAP_TIMINGS, workers={"enabled": False}, **extra)


def holder_of(ctx, account_id):
    with ctx.session() as session:
        row = session.get(AccountWatch, account_id)
        return row.holder if row else None


def two_processes_share_one_account(home, dovecot, database_url=None):
    settings = service_settings(home, database_url)
    user = dovecot.new_user()
    with api_client(settings) as api:
        account_id = create_account(api, dovecot, user)
    # Two supervisors with their own engines: two service processes.
    first, second = (WatchSupervisor(build_context(settings)) for _ in range(2))
    supervisors = {first.holder: first, second.holder: second}
    for supervisor in supervisors.values():
        supervisor.start()
    try:
        ctx = first.ctx
        holder = wait_for("a holder", lambda: holder_of(ctx, account_id))
        wait_for(
            "the baseline", lambda: watchstate.folder_position(ctx, account_id, "INBOX")
        )
        for n in range(3):
            dovecot.deliver(user.email, message(f"shared {n}", user.email))
        for n in range(3):
            wait_received(ctx, account_id, f"shared {n}")

        supervisors.pop(holder).stop()
        [survivor] = supervisors.values()
        wait_for("a takeover", lambda: holder_of(ctx, account_id) == survivor.holder)
        dovecot.deliver(user.email, message("after takeover", user.email))
        wait_received(ctx, account_id, "after takeover")

        subjects = [e.data["subject"] for e in events(ctx, "email.received")]
        assert subjects == ["shared 0", "shared 1", "shared 2", "after takeover"]
    finally:
        for supervisor in supervisors.values():
            supervisor.stop()


def test_two_processes_on_sqlite(home, dovecot):
    two_processes_share_one_account(home, dovecot)


@pytest.mark.postgres
def test_two_processes_on_postgres(home, dovecot, pg_url):
    two_processes_share_one_account(home, dovecot, pg_url)


def lease_rules(ctx, account_id):
    assert watchstate.acquire_lease(ctx, account_id, "alive")
    assert not watchstate.acquire_lease(ctx, account_id, "other")
    assert watchstate.renew_lease(ctx, account_id, "alive")
    assert not watchstate.renew_lease(ctx, account_id, "other")

    with ctx.transaction() as session:
        row = session.get(AccountWatch, account_id)
        row.lease_expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    assert watchstate.acquire_lease(ctx, account_id, "other")
    assert not watchstate.renew_lease(ctx, account_id, "alive")

    watchstate.release_lease(ctx, account_id, "other")
    assert watchstate.acquire_lease(ctx, account_id, "third")


def test_lease_rules_on_sqlite(home, dovecot):
    settings = service_settings(home)
    with api_client(settings) as api:
        account_id = create_account(api, dovecot, dovecot.new_user())
        lease_rules(api.app.state.ctx, account_id)


@pytest.mark.postgres
def test_lease_rules_on_postgres(home, dovecot, pg_url):
    settings = service_settings(home, pg_url)
    with api_client(settings) as api:
        account_id = create_account(api, dovecot, dovecot.new_user())
        lease_rules(api.app.state.ctx, account_id)


def test_a_live_foreign_lease_is_respected(home, dovecot):
    settings = service_settings(home)
    user = dovecot.new_user()
    with api_client(settings) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user)
        assert watchstate.acquire_lease(ctx, account_id, "another-process")
        supervisor = WatchSupervisor(ctx)
        supervisor.run_once()
        try:
            assert supervisor.watches == {}
            assert holder_of(ctx, account_id) == "another-process"
        finally:
            supervisor.stop()
        assert received(ctx, account_id, "anything") == []

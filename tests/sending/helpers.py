"""The service wired to the test Dovecot and SMTP server, and ways to wait."""

import imaplib
import time
from dataclasses import dataclass

import pytest
from sqlmodel import select

from app.models import Event
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.service import api_client, settings_for

FINAL = ("sent", "failed")
WAIT_SECONDS = 10.0


@dataclass
class MailAccount:
    """An account of the service and the mailbox user behind it."""

    id: str
    user: MailUser


@pytest.fixture
def sending(home):
    """The service with a short retry schedule: 3 attempts, 0.2 s apart."""
    settings = settings_for(home, sender={"retry_schedule": [0, 0.2, 0.2]})
    with api_client(settings) as client:
        yield client


@pytest.fixture
def mail_account(sending, dovecot, smtp_server):
    """make(**overrides) -> a MailAccount sending through the test SMTP server."""
    smtp_server.clear()  # the server is shared by the whole run: no stale faults

    def make(smtp=None, **overrides) -> MailAccount:
        user = dovecot.new_user("sender")
        smtp_server.add_user(user.email, user.password)
        server = {"host": smtp_server.host, "port": smtp_server.port}
        body = {
            "name": "Support",
            "email": user.email,
            "displayName": "Équipe Support",
            "imap": {
                "host": dovecot.host,
                "port": dovecot.imap_port,
                "security": "none",
                "password": user.password,
            },
            "smtp": {"security": "none", "password": user.password}
            | server
            | (smtp or {}),
        } | overrides
        response = sending.post("/api/accounts", json=body)
        assert response.status_code == 201, response.text
        return MailAccount(response.json()["id"], user)

    return make


def send(client, account: MailAccount, **email) -> dict:
    response = client.post(f"/api/accounts/{account.id}/send", json=email)
    assert response.status_code == 202, response.text
    return response.json()


def wait_final(client, job_id: str) -> dict:
    """Poll the job until it is sent or failed (at most WAIT_SECONDS)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job = client.get(f"/api/outbox/{job_id}").json()
        if job["status"] in FINAL:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job still {job['status']} after {WAIT_SECONDS}s")
        time.sleep(0.05)


def events(client, event_type: str) -> list[dict]:
    with client.app.state.ctx.session() as session:
        rows = session.exec(select(Event).where(Event.type == event_type)).all()
        return [row.data for row in rows]


def inbox(dovecot: DovecotServer, user: MailUser, folder: str = "INBOX"):
    return dovecot.fetch_all(user.email, user.password, folder)


def wait_messages(dovecot: DovecotServer, user: MailUser, folder: str, count: int):
    """The folder's messages once there are `count` (at most WAIT_SECONDS)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        messages = inbox(dovecot, user, folder)
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.05)


def flags(dovecot: DovecotServer, user: MailUser, folder: str) -> list[bytes]:
    """The FLAGS of every message in the folder, read without changing them."""
    with dovecot.imap(user.email, user.password) as client:
        client.select(f'"{folder}"', readonly=True)
        status, data = client.uid("FETCH", "1:*", "(FLAGS)")
        assert status == "OK", data
        return [imaplib.ParseFlags(item) for item in data if item]


def raw_messages(dovecot: DovecotServer, user: MailUser, folder: str) -> list[bytes]:
    """The stored bytes of every message in the folder, read with PEEK."""
    with dovecot.imap(user.email, user.password) as client:
        client.select(f'"{folder}"', readonly=True)
        status, data = client.uid("FETCH", "1:*", "(BODY.PEEK[])")
        assert status == "OK", data
        return [part[1] for part in data if isinstance(part, tuple)]

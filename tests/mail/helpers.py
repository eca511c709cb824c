"""Helpers for the mail tests: accounts on a test Dovecot, waiting for events."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlmodel import col, select

from app.models import Event
from tests.support.dovecot import DovecotServer, MailUser

WAIT_SECONDS = 15.0
IMAP_TIMINGS = {
    "poll_interval_seconds": 0.5,
    "reconnect_max_seconds": 0.5,
    "lease_seconds": 3,
    "timeout_seconds": 5,
}


def account_body(
    dovecot: DovecotServer, user: MailUser, *, password: str | None = None, **extra
) -> dict[str, Any]:
    server = {
        "host": dovecot.host,
        "port": dovecot.imap_port,
        "security": "none",
        "password": password or user.password,
    }
    return {
        "name": user.email,
        "email": user.email,
        "imap": server,
        "smtp": server | {"port": 1},
        **extra,
    }


def create_account(api, dovecot: DovecotServer, user: MailUser, **extra) -> str:
    response = api.post("/api/accounts", json=account_body(dovecot, user, **extra))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def wait_for(what: str, check: Callable[[], Any], seconds: float = WAIT_SECONDS):
    """Poll `check` until it returns something truthy; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def status(api, account_id: str) -> dict[str, Any]:
    response = api.get(f"/api/accounts/{account_id}/status")
    assert response.status_code == 200, response.text
    return response.json()


def wait_watching(api, account_id: str, folders: tuple[str, ...] = ("INBOX",)):
    """Until every folder is baselined and the watch is connected."""

    def ready():
        current = status(api, account_id)
        names = {f["name"] for f in current["folders"]}
        return current if current["connected"] and set(folders) <= names else None

    return wait_for("the watch to be connected", ready)


def events(ctx, event_type: str, account_id: str | None = None) -> list[Event]:
    with ctx.session() as session:
        query = select(Event).where(col(Event.type) == event_type)
        if account_id:
            query = query.where(col(Event.account_id) == account_id)
        return list(session.exec(query.order_by(col(Event.created_at))))


def received(ctx, account_id: str, subject: str) -> list[dict[str, Any]]:
    found = events(ctx, "email.received", account_id)
    return [e.data for e in found if e.data.get("subject") == subject]


def wait_received(ctx, account_id: str, subject: str) -> dict[str, Any]:
    [data] = wait_for(
        f"an email.received event for {subject!r}",
        lambda: received(ctx, account_id, subject),
    )
    return data


def message(subject: str, to: str, *, body: str = "Hello.\n") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Alice Martin <alice@example.org>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Fri, 04 Dec 2026 16:00:00 +0100"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(body)
    return msg.as_bytes()

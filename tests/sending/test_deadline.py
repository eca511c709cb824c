"""A whole SMTP transaction has a time limit, and a stalling server blocks no one.

The misbehaving servers here are raw sockets on 127.0.0.1 that send a line
now and then, each well within the read timeout, so only the total deadline
can stop the client.
"""

import socket
import threading

import pytest

from app.config import ConfigError, load_settings
from app.kit.deadline import DeadlineExceeded, socket_deadline
from tests.sending.helpers import send, wait_final
from tests.support.service import api_client, settings_for

DRIP_SECONDS = 0.2
MAX_DRIPS = 150  # 30 s at most, far past any deadline used here


@pytest.fixture
def sending(home):
    """The service with a 1 s send deadline and 3 attempts 0.2 s apart."""
    sender = {"retry_schedule": [0, 0.2, 0.2], "send_deadline_seconds": 1}
    with api_client(settings_for(home, sender=sender)) as client:
        yield client


class DrippingServer:
    """An SMTP server that, at `stage` ("greeting" or "data"), sends "220-" or
    "250-" continuation lines every DRIP_SECONDS instead of its answer."""

    def __init__(self, stage: str):
        self.stage = stage
        self.connections = 0
        self.messages = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = self._listener.getsockname()[:2]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self._stop.set()
        self._listener.close()

    def _accept(self):
        for _ in range(50):
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn, conn.makefile("rb") as lines:
            try:
                if self.stage == "greeting":
                    self._drip(conn, b"220-")
                    return
                conn.sendall(b"220 ready\r\n")
                self._converse(conn, lines)
            except OSError:
                return

    def _converse(self, conn, lines):
        for _ in range(20):
            line = lines.readline().upper()
            if not line or line.startswith(b"QUIT"):
                return
            if line.startswith(b"EHLO"):
                conn.sendall(b"250-drip\r\n250 AUTH PLAIN\r\n")
            elif line.startswith(b"AUTH"):
                conn.sendall(b"235 ok\r\n")
            elif line.startswith(b"DATA"):
                conn.sendall(b"354 go on\r\n")
                while lines.readline() not in (b".\r\n", b""):
                    pass
                self.messages += 1
                self._drip(conn, b"250-")
                return
            else:
                conn.sendall(b"250 ok\r\n")

    def _drip(self, conn, prefix):
        for _ in range(MAX_DRIPS):
            if self._stop.wait(DRIP_SECONDS):
                return
            conn.sendall(prefix + b"still working\r\n")


@pytest.fixture
def dripping():
    servers = []

    def make(stage):
        servers.append(DrippingServer(stage))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def _account_on(mail_account, server):
    return mail_account(smtp={"host": server.host, "port": server.port})


def test_a_server_dripping_its_greeting_is_cut_off_and_others_still_send(
    sending, mail_account, dripping, dovecot
):
    server = dripping("greeting")
    stalled = _account_on(mail_account, server)
    healthy = mail_account()
    to = dovecot.new_user("to")

    stuck = send(sending, stalled, to=to.email, subject="Stuck")
    fine = send(sending, healthy, to=to.email, subject="Fine")

    assert wait_final(sending, fine["id"])["status"] == "sent"
    assert sending.get(f"/api/outbox/{stuck['id']}").json()["status"] in (
        "queued",
        "sending",
    )
    final = wait_final(sending, stuck["id"])
    assert final["status"] == "failed"
    assert final["attempts"] == 3
    assert final["lastError"] == (
        f"gave up after 3 attempts: {server.host}:{server.port}: timed out after 1 s"
    )
    assert server.connections == 3


def test_a_server_dripping_its_answer_to_data_is_retried_then_failed(
    sending, mail_account, dripping, dovecot
):
    server = dripping("data")
    account = _account_on(mail_account, server)

    job = send(sending, account, to=dovecot.new_user("to").email, subject="Slow")

    final = wait_final(sending, job["id"])
    assert final["status"] == "failed"
    assert final["attempts"] == 3
    assert final["lastError"].endswith(f"{server.port}: timed out after 1 s")
    assert server.messages == 3
    events = sending.get("/api/events", params={"type": "email.send_failed"}).json()
    [event] = [e for e in events["items"] if e["data"]["jobId"] == job["id"]]
    assert event["data"]["error"] == final["lastError"]


def test_the_account_test_reports_a_dripping_server_as_a_connection_error(
    sending, mail_account, dripping
):
    server = dripping("greeting")
    account = _account_on(mail_account, server)

    result = sending.post(f"/api/accounts/{account.id}/test").json()

    assert result["ok"] is False
    assert result["imap"]["ok"] is True
    assert result["smtp"]["error"] == "connection"
    assert result["smtp"]["detail"] == (
        f"SMTP {server.host}:{server.port}: timed out after 1 s"
    )


def test_a_lease_not_longer_than_the_send_deadline_is_refused(home, monkeypatch):
    monkeypatch.setenv("MAILING_MANAGER_SENDER__SEND_DEADLINE_SECONDS", "300")
    monkeypatch.setenv("MAILING_MANAGER_SENDER__LEASE_SECONDS", "300")

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert "sender.leaseSeconds (300)" in str(info.value)
    assert "sender.sendDeadlineSeconds (300)" in str(info.value)


def test_a_socket_deadline_wakes_a_blocked_read():
    ours, theirs = socket.socketpair()
    deadline = socket_deadline(0.2, lambda: ours)
    with ours, theirs, pytest.raises(DeadlineExceeded) as info, deadline as expired:
        if not ours.recv(10):
            raise ConnectionResetError("closed")

    assert expired
    assert str(info.value) == "timed out after 0.2 s"

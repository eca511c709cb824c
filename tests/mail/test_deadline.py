"""Live IMAP calls end at imap.requestDeadlineSeconds, even on a stalling server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from app.kit.deadline import socket_deadline
from tests.mail.helpers import account_body, create_account, message
from tests.support.service import api_client, settings_for

TICK_SECONDS = 0.3
MAX_TICKS = 200  # a minute at most, whatever the test does


class Tarpit:
    """Greets like IMAP, then sends `* OK still here` forever, never answering."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.accepted = threading.Semaphore(0)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]

    def __enter__(self) -> Tarpit:
        self.threads[0].start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in list(self.threads):
            thread.join(5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._stall, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()
            self.accepted.release()

    def _stall(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.sendall(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
                for _ in range(MAX_TICKS):
                    if self.stop.wait(TICK_SECONDS):
                        return
                    conn.sendall(b"* OK still here\r\n")
            except OSError:
                return  # the client went away


@pytest.fixture
def tarpit() -> Iterator[Tarpit]:
    with Tarpit() as server:
        yield server


def stalled_account(api, dovecot, tarpit: Tarpit) -> str:
    body = account_body(dovecot, dovecot.new_user()) | {"enabled": False}
    body["imap"] = body["imap"] | {"host": "127.0.0.1", "port": tarpit.port}
    response = api.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def settings(home, **imap):
    return settings_for(
        home, imap={"request_deadline_seconds": 1, "timeout_seconds": 5, **imap}
    )


def test_stalling_server_answers_504_and_others_still_work(home, dovecot, tarpit):
    user = dovecot.new_user()
    dovecot.deliver(user.email, message("Still reachable", user.email))
    with api_client(settings(home)) as api:
        stalled = stalled_account(api, dovecot, tarpit)
        healthy = create_account(api, dovecot, user, enabled=False)

        folders = api.get(f"/api/accounts/{stalled}/folders")
        listed = api.get(f"/api/accounts/{stalled}/messages")
        after = api.get(f"/api/accounts/{healthy}/messages")

    assert folders.status_code == 504
    assert folders.json()["error"] == "GatewayTimeout"
    detail = folders.json()["detail"]
    assert f"127.0.0.1:{tarpit.port}" in detail
    assert "imap.requestDeadlineSeconds (1 s)" in detail
    assert listed.status_code == 504
    assert after.status_code == 200
    assert [m["subject"] for m in after.json()["items"]] == ["Still reachable"]


def test_live_calls_per_account_are_bounded(home, dovecot, tarpit):
    with api_client(settings(home, max_live_calls_per_account=1)) as api:
        stalled = stalled_account(api, dovecot, tarpit)
        first: list = []
        thread = threading.Thread(
            target=lambda: first.append(api.get(f"/api/accounts/{stalled}/folders"))
        )
        thread.start()
        assert tarpit.accepted.acquire(timeout=10)

        second = api.get(f"/api/accounts/{stalled}/folders")
        thread.join(10)

    assert second.status_code == 429
    assert second.json()["error"] == "TooManyRequests"
    assert "imap.maxLiveCallsPerAccount is 1" in second.json()["detail"]
    assert second.headers["Retry-After"] == "1"
    assert first[0].status_code == 504


def test_a_socket_that_appears_after_the_deadline_is_shut_down_too():
    left, right = socket.socketpair()
    sockets: list[socket.socket] = []
    deadline = socket_deadline(0.01, lambda: sockets[0] if sockets else None)
    with left, right, deadline as expired:
        assert wait_until(lambda: bool(expired))
        sockets.append(left)

        assert left.recv(100) == b""  # shut down by the watchdog, not the peer


def wait_until(check) -> bool:
    done = threading.Event()
    for _ in range(100):
        if check():
            return True
        done.wait(0.02)
    return False


def test_account_test_gives_up_on_a_stalling_imap_server(home, dovecot, tarpit):
    quick = settings_for(home, sender={"send_deadline_seconds": 1})
    with api_client(quick) as api:
        stalled = stalled_account(api, dovecot, tarpit)

        result = api.post(f"/api/accounts/{stalled}/test").json()

    assert result["imap"] == {
        "ok": False,
        "error": "connection",
        "detail": f"IMAP 127.0.0.1:{tarpit.port}: timed out after 1 s",
    }

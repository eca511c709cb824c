"""outbound.timeoutSeconds caps a whole attempt, even against a trickling receiver."""

from __future__ import annotations

import select
import socket
import threading
import time
from datetime import datetime, timedelta

from tests.outbound.helpers import FAST_OUTBOUND, HOOKS, create_hook, record
from tests.support.ports import LOOPBACK
from tests.support.service import api_client, settings_for

TRICKLE_LINES = 16
TRICKLE_EVERY = 0.5
MAX_CONNECTIONS = 3
MAX_REQUEST_BYTES = 1 << 20


class TricklingReceiver:
    """Answers `200 OK`, then one more header line every 0.5 s, never finishing.

    `closed_early` is set when the client hangs up before the trickle ends.
    """

    def __init__(self) -> None:
        self._sock = socket.create_server((LOOPBACK, 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.closed_early = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TricklingReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=TRICKLE_LINES * TRICKLE_EVERY + 5)
        self._sock.close()

    def _serve(self) -> None:
        served = 0
        while served < MAX_CONNECTIONS and not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            served += 1
            with conn:
                self._trickle(conn)

    def _trickle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for number in range(TRICKLE_LINES):
            if self._stop.is_set():
                return
            readable, _, _ = select.select([conn], [], [], TRICKLE_EVERY)
            try:
                if readable and conn.recv(1) == b"":
                    self.closed_early.set()
                    return
                conn.sendall(f"X-Trickle-{number}: x\r\n".encode())
            except OSError:
                self.closed_early.set()
                return
        conn.sendall(b"Content-Length: 0\r\n\r\n")


def _read_request(conn: socket.socket) -> None:
    """Read one request with a Content-Length body (bounded)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_REQUEST_BYTES:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < min(length, MAX_REQUEST_BYTES):
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def _first_attempt(client, webhook_id: str, timeout: float = 15) -> dict:
    """Poll the webhook's only delivery until it has an attempt; return it."""
    deadline = time.monotonic() + timeout
    while True:
        [delivery] = client.get(f"{HOOKS}/{webhook_id}/deliveries").json()["items"]
        if delivery["attempts"] or time.monotonic() > deadline:
            return delivery
        time.sleep(0.05)


def test_a_trickling_receiver_is_cut_off_at_the_timeout(home):
    outbound = {**FAST_OUTBOUND, "timeout_seconds": 1, "retry_schedule": [0, 60]}
    with (
        TricklingReceiver() as server,
        api_client(settings_for(home, outbound=outbound)) as client,
    ):
        url = f"http://{LOOPBACK}:{server.port}/slow"
        hook = create_hook(client, url)
        record(client, "email.sent", {"subject": "trickle"})
        delivery = _first_attempt(client, hook["id"])
        hung_up = server.closed_early.wait(timeout=TRICKLE_LINES * TRICKLE_EVERY)

    [attempt] = delivery["attempts"]
    assert attempt["statusCode"] is None
    assert "timed out after 1s" in attempt["error"]
    assert 1000 <= attempt["durationMs"] < 2000
    assert hung_up
    assert delivery["status"] == "pending"
    next_at = datetime.fromisoformat(delivery["nextAttemptAt"])
    tried_at = datetime.fromisoformat(attempt["createdAt"])
    assert next_at - tried_at > timedelta(seconds=50)

"""A hard total deadline for IMAP work done on behalf of one request.

Socket timeouts bound each read, not the whole exchange: a server that keeps
sending untagged lines and never completes an answer would hold the request
(and its worker thread) forever. When the deadline passes, the watchdog shuts
the socket down, which wakes a blocked recv with end-of-file on Linux, so the
command fails at once and the request can answer 504.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType

from app.errors import AppError


class GatewayTimeout(AppError):
    """A remote server did not finish in the time allowed."""

    status_code = 504


class Watchdog:
    """Shuts down the watched client's socket once `seconds` have passed.

    Use as a context manager; call `watch(client)` as soon as the client (any
    object with a `.sock`, read when the deadline passes) exists.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._client: object | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self._ends - time.monotonic())

    def watch(self, client: object) -> None:
        """Guard `client`; shut it down at once if the deadline already passed."""
        with self._lock:
            self._client = client
            expired = self.expired
        if expired:
            _shutdown(client)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            client = self._client
        if client is not None:
            _shutdown(client)


def _shutdown(client: object) -> None:
    sock = getattr(client, "sock", None)
    if isinstance(sock, socket.socket):
        # shutdown, not close: close would leave a blocked recv waiting.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

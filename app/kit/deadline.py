"""A hard time limit on a whole network exchange, whatever its read timeouts.

A socket timeout bounds each read, not a conversation: a server that sends a
line every few seconds keeps a client reading forever. The watchdog here
shuts the client's socket down when the limit passes; on Linux shutdown()
wakes a thread blocked in recv() (close() does not), so the exchange fails at
once with a connection error, which the block turns into DeadlineExceeded.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

# While the block runs past its limit (still connecting, say), the socket is
# shut down again at this pace until the block gives up.
RETRY_SECONDS = 0.1


class DeadlineExceeded(TimeoutError):
    """The exchange ran past its time limit and its socket was shut down."""

    def __init__(self, seconds: float):
        super().__init__(f"timed out after {seconds:g} s")
        self.seconds = seconds


class Expiry:
    """Whether the time limit passed (truthy once it has)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def __bool__(self) -> bool:
        return self._event.is_set()


@contextlib.contextmanager
def socket_deadline(
    seconds: float, get_socket: Callable[[], socket.socket | None]
) -> Iterator[Expiry]:
    """Shut down `get_socket()` after `seconds`; an error raised by the block
    after that becomes DeadlineExceeded."""
    expiry = Expiry()
    done = threading.Event()
    watchdog = threading.Thread(
        target=_watch,
        args=(seconds, get_socket, expiry, done),
        name="socket-deadline",
        daemon=True,
    )
    watchdog.start()
    try:
        yield expiry
    except Exception as exc:
        if expiry:
            raise DeadlineExceeded(seconds) from exc
        raise
    finally:
        done.set()
        watchdog.join()


def _watch(
    seconds: float,
    get_socket: Callable[[], socket.socket | None],
    expiry: Expiry,
    done: threading.Event,
) -> None:
    if done.wait(seconds):
        return
    expiry._event.set()
    while True:
        _shutdown(get_socket())
        if done.wait(RETRY_SECONDS):
            return


def _shutdown(sock: socket.socket | None) -> None:
    if sock is None:
        return
    # The plain socket's shutdown, also for a TLS socket: the TLS layer's own
    # shutdown would tear down its state under the thread still reading.
    with contextlib.suppress(OSError, ValueError, TypeError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)

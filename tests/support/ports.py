"""Free TCP ports on the loopback interface."""

import socket
import time

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """Return a port that nothing listens on right now.

    The port is released before returning, so another process could take it in
    the meantime; servers started right after this call rarely lose that race.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def port_answers(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float = 10.0, open_: bool = True) -> bool:
    """Wait until the port accepts connections (or refuses them if not open_)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_answers(port) == open_:
            return True
        time.sleep(0.05)
    return port_answers(port) == open_

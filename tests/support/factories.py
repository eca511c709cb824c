"""Factories that start servers on demand and stop them all at the end."""

import contextlib
from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar


class Closable(Protocol):
    def start(self) -> None: ...

    def close(self) -> None: ...


ServerT = TypeVar("ServerT", bound=Closable)


@contextlib.contextmanager
def started(make: Callable[..., ServerT]) -> Iterator[Callable[..., ServerT]]:
    """Yield a function that builds and starts servers; close them on exit."""
    servers: list[ServerT] = []

    def start(*args: object, **kwargs: object) -> ServerT:
        server = make(*args, **kwargs)
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        with contextlib.ExitStack() as stack:
            for server in servers:
                stack.callback(server.close)

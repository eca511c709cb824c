"""Run the real service for tests: in-process client or a uvicorn on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi.testclient import TestClient

from app.config import Settings, load_settings
from app.main import create_app


def settings_for(home: Any, **overrides: Any) -> Settings:
    """Settings rooted at `home` (a temp dir); `MAILING_MANAGER_HOME` must match."""
    return load_settings(home=home, **overrides)


@contextmanager
def api_client(settings: Settings) -> Iterator[TestClient]:
    """An in-process client, authenticated, with the lifespan (workers) running."""
    app = create_app(settings)
    token = app.state.ctx.api_token
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


@dataclass
class LiveService:
    url: str
    token: str
    app: Any

    def client(self, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_service(settings: Settings, port: int | None = None) -> Iterator[LiveService]:
    """The service served by uvicorn on 127.0.0.1, workers included."""
    port = port or free_port()
    app = create_app(settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    try:
        yield LiveService(f"http://127.0.0.1:{port}", app.state.ctx.api_token, app)
    finally:
        server.should_exit = True
        thread.join(15)

"""A service killed with SIGKILL loses no delivery: the restarted one sends all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.context import build_context
from app.events.service import record_event
from tests.support.ports import free_port
from tests.support.receiver import Reply
from tests.support.service import settings_for

ROOT = Path(__file__).resolve().parents[2]
HELD = 5  # first attempts the receiver holds open while the service is killed


@contextmanager
def service_process(home: Path, port: int):
    """`python -m app server` in a subprocess; yields an authenticated client."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILING_MANAGER_")}
    env.update(
        MAILING_MANAGER_HOME=str(home),
        MAILING_MANAGER_WEBHOOKS__PORT=str(port),
        MAILING_MANAGER_OUTBOUND__ALLOWED_NETWORKS='["127.0.0.0/8"]',
        MAILING_MANAGER_OUTBOUND__RETRY_SCHEDULE=json.dumps([0] + [0.5] * 20),
        MAILING_MANAGER_OUTBOUND__TIMEOUT_SECONDS="1",
        # Every held attempt of the one endpoint is in flight when the kill comes.
        MAILING_MANAGER_OUTBOUND__PER_ENDPOINT_CONCURRENCY=str(HELD),
    )
    with open(home / "service.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "server"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        token = wait_until_serving(home, port, process)
        headers = {"Authorization": f"Bearer {token}"}
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, headers=headers, trust_env=False) as client:
            yield process, client
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def wait_until_serving(home: Path, port: int, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1, trust_env=False)
            return (home / "api-token").read_text().strip()
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError((home / "service.log").read_text()[-3000:])


def test_sigkill_mid_delivery_loses_nothing(home, receiver):
    server = receiver([Reply(500, delay=3)] * HELD, default=200)
    port = free_port()
    with service_process(home, port) as (process, client):
        hook = client.post(
            "/api/webhooks/outbound",
            json={"name": "durable", "url": server.url_for("/d")},
        ).json()
        tests = [
            client.post(f"/api/webhooks/outbound/{hook['id']}/test").json()
            for _ in range(HELD)
        ]
        server.wait_for(HELD)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)

    ctx = build_context(settings_for(home))
    with ctx.transaction() as session:
        offline = record_event(session, "email.sent", {"subject": "while down"})
    ctx.engine.dispose()

    with service_process(home, port) as (_, client):
        event_ids = {t["eventId"] for t in tests} | {offline.id}
        answered = wait_for_answered_ids(server, event_ids, timeout=40)
        listed = wait_until_all_delivered(client, hook["id"], timeout=10)

    assert answered == event_ids
    assert {d["status"] for d in listed} == {"delivered"}
    assert {d["eventId"] for d in listed} == event_ids
    held = server.requests[:HELD]
    assert {r.header("webhook-id") for r in held} == {t["eventId"] for t in tests}


def wait_for_answered_ids(server, event_ids: set[str], timeout: float) -> set[str]:
    """Event ids of the requests past the held ones (answered 200), once all came."""
    deadline = time.monotonic() + timeout
    while True:
        later = {r.header("webhook-id") for r in server.requests[HELD:]}
        if later >= event_ids or time.monotonic() > deadline:
            return later
        time.sleep(0.1)


def wait_until_all_delivered(client, webhook_id: str, timeout: float) -> list[dict]:
    """The webhook's deliveries once none is pending (or when time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        path = f"/api/webhooks/outbound/{webhook_id}/deliveries"
        items = client.get(path).json()["items"]
        if all(d["status"] != "pending" for d in items) or time.monotonic() > deadline:
            return items
        time.sleep(0.1)

"""Helpers for outbound webhook tests: create, record events, wait for results."""

from __future__ import annotations

import time
from typing import Any

from standardwebhooks.webhooks import Webhook

from app.events.service import record_event

FAST_OUTBOUND = {
    "allowed_networks": ["127.0.0.0/8"],
    "retry_schedule": [0, 0.2, 0.2, 0.2],
    "timeout_seconds": 5,
}
HOOKS = "/api/webhooks/outbound"


def create_hook(client: Any, url: str, **fields: Any) -> dict[str, Any]:
    """Create an outbound webhook; return the creation answer (with secret)."""
    answer = client.post(HOOKS, json={"name": "test", "url": url, **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def record(
    client: Any, event_type: str, data: dict[str, Any], account_id: str | None = None
) -> str:
    """Record an event the way the other domains do; return its id."""
    ctx = client.app.state.ctx
    with ctx.transaction() as session:
        event = record_event(session, event_type, data, account_id=account_id)
    return event.id


def deliveries(client: Any, webhook_id: str, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(f"{HOOKS}/{webhook_id}/deliveries", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def wait_for_status(
    client: Any, delivery_id: str, status: str, timeout: float = 15
) -> dict[str, Any]:
    """Poll a delivery until it reaches `status`; return it."""
    deadline = time.monotonic() + timeout
    while True:
        delivery = client.get(f"/api/deliveries/{delivery_id}").json()
        if delivery["status"] == status or time.monotonic() > deadline:
            return delivery
        time.sleep(0.05)


def wait_for_hook(client: Any, webhook_id: str, check: Any, timeout: float = 15):
    """Poll a webhook until `check(webhook)` holds; return it."""
    deadline = time.monotonic() + timeout
    while True:
        hook = client.get(f"{HOOKS}/{webhook_id}").json()
        if check(hook) or time.monotonic() > deadline:
            return hook
        time.sleep(0.05)


def verify_standard(secret: str, request: Any) -> dict[str, Any]:
    """Check a recorded request with the standardwebhooks package; answer the body."""
    key: str | bytes = secret if secret.startswith("whsec_") else secret.encode()
    headers = {k.lower(): v for k, v in request.headers}
    return Webhook(key).verify(request.body, headers)

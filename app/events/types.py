"""The event types the service records."""

from __future__ import annotations

EVENT_TYPES = (
    "email.received",
    "email.sent",
    "email.send_failed",
    "account.error",
    "webhook.test",
)

"""The hand-written tools, one module per area of the REST API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp_adapter.tools import (
    accounts,
    events,
    inbound,
    messages,
    outbound,
    sending,
    webhooks,
)

ALL_TOOLS: list[Callable[..., Any]] = [
    tool
    for area in (accounts, messages, sending, webhooks, inbound, outbound, events)
    for tool in area.TOOLS
]

"""Run the MCP adapter as its own process over stdio, as an MCP client does."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from fastmcp import Client
from fastmcp.client.transports import StdioTransport

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def adapter_env(
    url: str, token: str | None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment an MCP client's configuration would give the adapter."""
    env = {"PYTHONPATH": str(ROOT), "MAILING_MANAGER_URL": url, **(extra or {})}
    if token is not None:
        env["MAILING_MANAGER_TOKEN"] = token
    return env


def adapter_command() -> tuple[str, list[str]]:
    """`mailing-manager mcp`, without needing the package installed."""
    return sys.executable, ["-m", "app", "mcp"]


@asynccontextmanager
async def connect(
    url: str, token: str | None, extra: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    """A connected MCP client whose server is a fresh adapter subprocess."""
    command, args = adapter_command()
    transport = StdioTransport(
        command,
        args,
        env=adapter_env(url, token, extra),
        cwd=str(ROOT),
        keep_alive=False,
    )
    async with Client(transport, timeout=60) as client:
        yield client


def run(
    url: str,
    token: str | None,
    use: Callable[[Client], Awaitable[T]],
    extra: dict[str, str] | None = None,
) -> T:
    """Start the adapter, hand a connected client to `use`, stop the adapter."""

    async def session() -> T:
        async with connect(url, token, extra) as client:
            return await use(client)

    return asyncio.run(session())


def text_of(result: Any) -> str:
    """Everything a tool result shows the model: text blocks and structured data."""
    parts = [getattr(block, "text", "") for block in result.content]
    if result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)

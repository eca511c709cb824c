"""`mailing-manager mcp --transport http`: streamable HTTP on loopback only."""

from __future__ import annotations

import asyncio
import subprocess

from fastmcp import Client

from tests.mcp.adapter import ROOT, adapter_command, adapter_env
from tests.support.service import free_port


def _wait_for_tools(url: str) -> list[str]:
    async def attempt() -> list[str]:
        async with Client(url, timeout=10) as client:
            return [tool.name for tool in await client.list_tools()]

    for _ in range(100):  # up to ~20 s while the process starts
        try:
            return asyncio.run(attempt())
        except Exception:  # not listening yet
            asyncio.run(asyncio.sleep(0.2))
    raise AssertionError("the HTTP adapter never answered")


def test_http_transport_serves_the_tools_on_loopback():
    port = free_port()
    command, args = adapter_command()
    proc = subprocess.Popen(
        [command, *args, "--transport", "http", "--port", str(port)],
        cwd=ROOT,
        env={**adapter_env("http://127.0.0.1:9", "unused"), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        names = _wait_for_tools(f"http://127.0.0.1:{port}/mcp")
    finally:
        proc.terminate()
        proc.communicate(timeout=20)

    assert "send_email" in names and "list_accounts" in names


def test_http_transport_refuses_a_public_address():
    command, args = adapter_command()
    done = subprocess.run(
        [command, *args, "--transport", "http", "--host", "0.0.0.0"],
        cwd=ROOT,
        env={**adapter_env("http://127.0.0.1:9", "unused"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert "refusing to serve MCP over HTTP on 0.0.0.0" in done.stderr
    assert done.stdout == ""

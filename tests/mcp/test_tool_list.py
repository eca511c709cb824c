"""The adapter, started as a subprocess, lists its tools as an MCP client sees them."""

from __future__ import annotations

import json
import subprocess
import threading

from tests.mcp.adapter import ROOT, adapter_command, adapter_env, run

REQUIRED = {
    "list_accounts",
    "get_account_status",
    "list_messages",
    "search_messages",
    "read_message",
    "send_email",
    "create_inbound_webhook",
    "create_outbound_webhook",
    "list_webhooks",
    "get_webhook",
    "update_webhook",
    "delete_webhook",
    "test_webhook",
    "list_deliveries",
    "resend_delivery",
    "list_invocations",
}
READ_ONLY = {
    "list_accounts",
    "get_account",
    "get_account_status",
    "list_folders",
    "list_messages",
    "search_messages",
    "read_message",
    "get_send_job",
    "list_send_jobs",
    "list_webhooks",
    "get_webhook",
    "list_deliveries",
    "list_invocations",
    "list_events",
}
DESTRUCTIVE = {"delete_webhook", "update_webhook", "rotate_webhook_secret"}


def _tools():
    async def use(client):
        return await client.list_tools()

    return run("http://127.0.0.1:9", "unused", use)


def test_every_tool_has_annotations_a_schema_and_a_description():
    tools = {tool.name: tool for tool in _tools()}

    assert set(tools) >= REQUIRED
    for name, tool in tools.items():
        hints = tool.annotations
        assert hints is not None, name
        assert hints.title, name
        assert hints.read_only_hint is (name in READ_ONLY), name
        assert hints.destructive_hint is (name in DESTRUCTIVE), name
        assert hints.idempotent_hint is not None, name
        assert hints.open_world_hint is not None, name
        assert tool.input_schema["type"] == "object", name
        assert len(tool.description or "") > 80, name
    assert tools["send_email"].annotations.open_world_hint is True
    assert tools["list_accounts"].annotations.open_world_hint is False


def test_schemas_accept_the_user_guide_arguments():
    tools = {tool.name: tool for tool in _tools()}

    inbound = tools["create_inbound_webhook"].input_schema
    assert {"name", "description", "secret", "actions"} <= set(inbound["properties"])
    action = inbound["properties"]["actions"]["items"]
    assert action["properties"]["type"]["enum"] == ["send_email", "reply_email"]
    assert "{{body." in action["properties"]["parameters"]["description"]
    outbound = tools["create_outbound_webhook"].input_schema
    assert {"name", "url", "events", "secret", "filters"} <= set(outbound["properties"])
    assert outbound["required"] == ["name", "url"]


def test_stdout_carries_nothing_but_protocol():
    command, args = adapter_command()
    env = {**adapter_env("http://127.0.0.1:9", "unused"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        [command, *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        lines = _exchange(proc)
    finally:
        watchdog.cancel()
        proc.kill()
        proc.communicate()

    messages = [json.loads(line) for line in lines]
    assert all(m["jsonrpc"] == "2.0" for m in messages)
    assert messages[0]["id"] == 1 and "serverInfo" in messages[0]["result"]
    assert messages[-1]["id"] == 2
    assert len(messages[-1]["result"]["tools"]) >= len(REQUIRED)


def _exchange(proc: subprocess.Popen) -> list[bytes]:
    """Initialize and list tools; every stdout line up to the answer to the list."""
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }
    lines = [_send(proc, initialize)]
    _write(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    lines.append(_send(proc, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
    return lines


def _write(proc: subprocess.Popen, message: dict) -> None:
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(message).encode() + b"\n")
    proc.stdin.flush()


def _send(proc: subprocess.Popen, message: dict) -> bytes:
    _write(proc, message)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, "the adapter closed stdout"
    return line

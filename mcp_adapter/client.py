"""One REST call to the Mailing Manager service, with its errors made actionable."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import httpx
from fastmcp.exceptions import ToolError

from mcp_adapter.redact import redact

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:3100"
TIMEOUT_SECONDS = 60.0
TOKEN_HELP = (
    "set MAILING_MANAGER_TOKEN to the output of `mailing-manager token` in the "
    "MCP client's configuration, then restart the MCP client"
)


@dataclass(frozen=True)
class ServiceConfig:
    """Where the service runs and the API token to present."""

    url: str
    token: str

    @classmethod
    def from_env(cls) -> ServiceConfig:
        """Read MAILING_MANAGER_URL and MAILING_MANAGER_TOKEN."""
        url = os.environ.get("MAILING_MANAGER_URL", "").strip() or DEFAULT_URL
        token = os.environ.get("MAILING_MANAGER_TOKEN", "").strip()
        return cls(url=url.rstrip("/"), token=token)


def compact(values: dict[str, Any]) -> dict[str, Any]:
    """The given fields without those left at None (the service's defaults apply)."""
    return {k: v for k, v in values.items() if v is not None}


async def call(
    method: str,
    path: str,
    *,
    params: dict[str, Any] | None = None,
    json: dict[str, Any] | None = None,
    keep_secrets: bool = False,
    config: ServiceConfig | None = None,
) -> Any:
    """Make one API call; answer its JSON body (None when empty) or raise ToolError.

    Password-like fields are always removed from the answer; webhook secrets too
    unless `keep_secrets` (creation and rotation, where the user needs them).
    """
    config = config or ServiceConfig.from_env()
    _check_config(config)
    headers = {"Authorization": f"Bearer {config.token}", "Accept": "application/json"}
    try:
        async with httpx.AsyncClient(
            base_url=config.url,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
            trust_env=False,
        ) as http:
            response = await http.request(
                method, path, params=compact(params or {}), json=json
            )
    except httpx.TimeoutException as exc:
        raise ToolError(
            f"Mailing Manager at {config.url} did not answer within "
            f"{TIMEOUT_SECONDS:.0f} s; check that it is healthy "
            f"({config.url}/healthz) and try again"
        ) from exc
    except httpx.TransportError as exc:
        logger.warning("service unreachable", extra={"url": config.url})
        raise ToolError(
            f"cannot reach Mailing Manager at {config.url}: start it with "
            "`mailing-manager server`, or set MAILING_MANAGER_URL to the address "
            "it listens on"
        ) from exc
    return redact(_answer(response, config), keep_secrets=keep_secrets)


def _check_config(config: ServiceConfig) -> None:
    if not config.url.startswith(("http://", "https://")):
        raise ToolError(
            f"MAILING_MANAGER_URL must be an http:// or https:// URL, not "
            f"{config.url!r}; the default is {DEFAULT_URL}"
        )
    if not config.token:
        raise ToolError(f"MAILING_MANAGER_TOKEN is not set: {TOKEN_HELP}")


def _answer(response: httpx.Response, config: ServiceConfig) -> Any:
    if response.status_code == 204:
        return None
    body = _json_or_none(response)
    if response.is_success and body is not None:
        return body
    if body is None or not isinstance(body, dict) or "detail" not in body:
        kind = response.headers.get("content-type") or "no content type"
        raise ToolError(
            f"{config.url} did not answer like Mailing Manager (HTTP "
            f"{response.status_code}, {kind}); check that MAILING_MANAGER_URL "
            "points at the Mailing Manager service"
        )
    raise ToolError(_describe_error(response, body))


def _json_or_none(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _describe_error(response: httpx.Response, body: dict[str, Any]) -> str:
    status = response.status_code
    name = body.get("error") or "Error"
    detail = str(body.get("detail"))
    if status == 401:
        return f"Mailing Manager refused the API token ({detail}): {TOKEN_HELP}"
    if status == 404 and detail == "Not Found":
        return (
            f"{response.url.copy_with(query=None)} is not a Mailing Manager route: "
            "check that MAILING_MANAGER_URL points at the service and that the "
            "service is as recent as this adapter"
        )
    if status == 404:
        return f"not found: {detail}"
    if status == 429:
        wait = response.headers.get("retry-after", "a few")
        return f"too many requests ({detail}); retry in {wait} seconds"
    if status == 500:
        return f"Mailing Manager failed unexpectedly: {detail}"
    return f"{name}: {detail}"

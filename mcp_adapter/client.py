"""One REST call to the Mailing Manager service, with its errors made actionable."""

from __future__ import annotations

import json as jsonlib
import logging
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastmcp.exceptions import ToolError

from mcp_adapter.redact import mark_result, redact

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:3100"
TIMEOUT_SECONDS = 60.0
# The service's default `api.maxBodyBytes`: a larger request would be cut off.
DEFAULT_MAX_REQUEST_BYTES = 40 * 1024 * 1024
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

    def url_problem(self) -> str | None:
        """Why MAILING_MANAGER_URL cannot be used, without echoing a password."""
        try:
            parts = urlsplit(self.url)
            if "@" in parts.netloc:
                return (
                    "MAILING_MANAGER_URL must not contain a user name or password "
                    "(`user:password@`): remove that part; the adapter "
                    "authenticates with MAILING_MANAGER_TOKEN"
                )
            if parts.scheme not in ("http", "https"):
                return (
                    f"MAILING_MANAGER_URL must be an http:// or https:// URL, not "
                    f"{self.url!r}; the default is {DEFAULT_URL}"
                )
            parts.port  # noqa: B018 - raises ValueError when out of range
            httpx.URL(self.url)
        except (ValueError, httpx.InvalidURL) as exc:
            return (
                f"MAILING_MANAGER_URL is not a valid URL: {exc}; give the "
                f"service's address, e.g. {DEFAULT_URL}"
            )
        if not parts.hostname:
            return (
                f"MAILING_MANAGER_URL is not a valid URL: no host in {self.url!r}; "
                f"give the service's address, e.g. {DEFAULT_URL}"
            )
        return None


def max_request_bytes() -> int:
    """The largest request body sent: MAILING_MANAGER_MAX_REQUEST_BYTES or 40 MiB."""
    raw = os.environ.get("MAILING_MANAGER_MAX_REQUEST_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_REQUEST_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ToolError(
            f"MAILING_MANAGER_MAX_REQUEST_BYTES must be a positive number of bytes, "
            f"not {raw!r}; remove it to use {DEFAULT_MAX_REQUEST_BYTES}"
        )
    return value


def _encode(payload: Any) -> bytes:
    """The request body as the service reads it, refused when too large to send."""
    content = jsonlib.dumps(
        payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
    limit = max_request_bytes()
    if len(content) > limit:
        raise ToolError(
            f"request too large: {len(content)} bytes of JSON, more than the "
            f"{limit} bytes Mailing Manager accepts (api.maxBodyBytes; the "
            "adapter's cap is MAILING_MANAGER_MAX_REQUEST_BYTES). Send smaller "
            "attachments or fewer of them, or a shorter body"
        )
    return content


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
    untrusted: bool = False,
    config: ServiceConfig | None = None,
) -> Any:
    """Make one API call; answer its JSON body (None when empty) or raise ToolError.

    Password-like fields are always removed from the answer; webhook secrets too
    unless `keep_secrets` (creation and rotation, where the user needs them).
    With `untrusted`, third-party text is marked (see mcp_adapter.redact).
    """
    config = config or ServiceConfig.from_env()
    _check_config(config)
    headers = {"Authorization": f"Bearer {config.token}", "Accept": "application/json"}
    content = None
    if json is not None:
        content = _encode(json)
        headers["Content-Type"] = "application/json"
    try:
        async with httpx.AsyncClient(
            base_url=config.url,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
            trust_env=False,
        ) as http:
            response = await http.request(
                method, path, params=compact(params or {}), content=content
            )
    except httpx.TimeoutException as exc:
        raise ToolError(
            f"Mailing Manager at {config.url} did not answer within "
            f"{TIMEOUT_SECONDS:.0f} s; check that it is healthy "
            f"({config.url}/healthz) and try again"
        ) from exc
    except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
        logger.warning("service unreachable", extra={"url": config.url})
        raise ToolError(
            f"cannot reach Mailing Manager at {config.url}: start it with "
            "`mailing-manager server`, or set MAILING_MANAGER_URL to the address "
            "it listens on"
        ) from exc
    except httpx.TransportError as exc:
        # Connected, then cut off: the service refused the request mid-upload
        # (a body over its api.maxBodyBytes) or stopped while answering.
        logger.warning(
            "service closed the connection",
            extra={"url": config.url, "error": type(exc).__name__},
        )
        raise ToolError(
            f"Mailing Manager at {config.url} closed the connection before "
            f"answering ({type(exc).__name__}): a request larger than the "
            "service's api.maxBodyBytes is cut off this way, so send less data; "
            f"otherwise check the service's log and its health ({config.url}/healthz)"
        ) from exc
    answer = redact(_answer(response, config), keep_secrets=keep_secrets)
    return mark_result(answer) if untrusted else answer


def _check_config(config: ServiceConfig) -> None:
    problem = config.url_problem()
    if problem:
        raise ToolError(problem)
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

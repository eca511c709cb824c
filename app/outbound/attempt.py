"""One HTTP attempt of a delivery, and when to try again after a failure.

The request goes to the address `resolve_target` vetted, with the original
host name in the Host header and in TLS (SNI and certificate check), so the
name is resolved once per attempt and the check cannot be bypassed by a DNS
answer that changes before the connection. Redirects are never followed, and
connections are not kept alive, so no connection made for one host name ever
carries a request for another.
"""

from __future__ import annotations

import logging
import random
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import anyio
import httpx

from app.kit.ids import utcnow
from app.kit.urlsafety import Target

logger = logging.getLogger(__name__)

EXCERPT_BYTES = 1024
MIN_RETRY_AFTER_CAP = 60.0


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    duration_ms: int
    excerpt: str | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Poster:
    """Makes delivery attempts, each one over within `timeout` seconds in all."""

    def __init__(self, timeout: float, ssl_context: ssl.SSLContext | None = None):
        self.timeout = timeout
        # Built once: loading the CA bundle is the costly part of a client.
        self._ssl = ssl_context or httpx.create_ssl_context(trust_env=False)

    def post(
        self, target: Target, headers: dict[str, str], body: bytes
    ) -> AttemptResult:
        """POST `body` to the vetted target; never raises for network failures."""
        started = time.monotonic()
        # httpx timeouts bound each read and write, so a receiver trickling a
        # byte at a time could hold an attempt (and its thread) for ever. The
        # request runs instead in an event loop of its own under one anyio
        # cancel scope: the deadline interrupts whatever await is pending
        # (connect, TLS, send, any read) and httpcore closes the connection as
        # it unwinds. A timer closing a blocking socket from another thread
        # would not reliably wake a recv() already waiting on it.
        return anyio.run(self._post, target, headers, body, started)

    async def _post(
        self, target: Target, headers: dict[str, str], body: bytes, started: float
    ) -> AttemptResult:
        url = httpx.URL(target.url)
        host_header = url.netloc.decode("ascii")
        try:
            with anyio.fail_after(self.timeout):
                async with (
                    self._client() as client,
                    client.stream(
                        "POST",
                        url.copy_with(host=target.address),
                        content=body,
                        # identity: the excerpt is read raw, never inflated.
                        headers={
                            **headers,
                            "Host": host_header,
                            "Accept-Encoding": "identity",
                        },
                        extensions={"sni_hostname": target.host},
                    ) as response,
                ):
                    excerpt = await _read_excerpt(response)
        except (TimeoutError, httpx.TimeoutException):
            return _failure(
                started, f"timed out after {self.timeout:g}s (outbound.timeoutSeconds)"
            )
        except httpx.HTTPError as exc:
            return _failure(started, f"{type(exc).__name__}: {exc}")
        return AttemptResult(
            status_code=response.status_code,
            duration_ms=_elapsed_ms(started),
            excerpt=excerpt,
            error=_status_error(response),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )

    def _client(self) -> httpx.AsyncClient:
        """A client for one attempt: no proxy variables, redirects or keep-alive."""
        return httpx.AsyncClient(
            verify=self._ssl,
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=0),
        )


async def _read_excerpt(response: httpx.Response) -> str:
    raw = b""
    async for chunk in response.aiter_raw():
        raw += chunk
        if len(raw) >= EXCERPT_BYTES:
            break
    return raw[:EXCERPT_BYTES].decode("utf-8", "ignore")


def _status_error(response: httpx.Response) -> str | None:
    code = response.status_code
    if 200 <= code < 300:
        return None
    if 300 <= code < 400:
        location = response.headers.get("Location", "(no Location)")
        return (
            f"HTTP {code}: redirect to {location} not followed; "
            "point the webhook at the final URL"
        )
    return f"HTTP {code}"


def _failure(started: float, error: str) -> AttemptResult:
    return AttemptResult(
        status_code=None, duration_ms=_elapsed_ms(started), error=error
    )


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by `Retry-After` (RFC 9110 section 10.2.3), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - (now or utcnow())).total_seconds())


def next_delay(
    schedule: list[float], attempts_done: int, retry_after: float | None
) -> float | None:
    """Seconds before the next attempt, or None when the schedule is spent.

    The scheduled delay gets -10 %…+20 % jitter so that deliveries failing
    together do not retry together; a `Retry-After` longer than that is
    honoured, up to the longest delay of the schedule (at least a minute).
    """
    if attempts_done >= len(schedule):
        return None
    delay = schedule[attempts_done] * random.uniform(0.9, 1.2)
    if retry_after is not None:
        cap = max(MIN_RETRY_AFTER_CAP, *schedule)
        delay = max(delay, min(retry_after, cap))
    return delay

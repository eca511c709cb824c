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
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

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


def make_client(timeout: float, concurrency: int) -> httpx.Client:
    """An HTTP client that ignores proxy variables and never follows redirects."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(
            max_connections=concurrency * 2, max_keepalive_connections=0
        ),
    )


def post(
    client: httpx.Client, target: Target, headers: dict[str, str], body: bytes
) -> AttemptResult:
    """POST `body` to the vetted target; never raises for network failures."""
    url = httpx.URL(target.url)
    host_header = url.netloc.decode("ascii")
    started = time.monotonic()
    try:
        with client.stream(
            "POST",
            url.copy_with(host=target.address),
            content=body,
            # identity: the excerpt is read raw, never inflated from a tiny body.
            headers={**headers, "Host": host_header, "Accept-Encoding": "identity"},
            extensions={"sni_hostname": target.host},
        ) as response:
            excerpt = _read_excerpt(response)
    except httpx.TimeoutException:
        return _failure(started, f"timed out after {client.timeout.read}s")
    except httpx.HTTPError as exc:
        return _failure(started, f"{type(exc).__name__}: {exc}")
    return AttemptResult(
        status_code=response.status_code,
        duration_ms=_elapsed_ms(started),
        excerpt=excerpt,
        error=_status_error(response),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def _read_excerpt(response: httpx.Response) -> str:
    raw = b""
    for chunk in response.iter_raw():
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

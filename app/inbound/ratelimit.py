"""One request budget per client IP, shared by every inbound webhook."""

from __future__ import annotations

import logging
import math
import threading
import time

from fastapi import Request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.config import RateLimitSettings
from app.errors import AppError, TooManyRequests

logger = logging.getLogger(__name__)

NAMESPACE = "mailing-manager-inbound"

_lock = threading.Lock()


class RateLimitUnavailable(AppError):
    """The rate limit store (e.g. Redis) cannot be reached; refuse rather than
    let unlimited secret guessing through."""

    status_code = 503


class InboundLimiter:
    """A moving-window limit (`100/minute`) kept in memory or in Redis."""

    def __init__(self, settings: RateLimitSettings):
        self.item = parse(settings.inbound)
        self.storage = storage_from_string(settings.storage_uri)
        self.strategy = MovingWindowRateLimiter(self.storage)

    def hit(self, client_ip: str) -> None:
        """Count one request from `client_ip`, or raise TooManyRequests."""
        try:
            allowed = self.strategy.hit(self.item, NAMESPACE, client_ip)
        except Exception as exc:
            logger.warning("rate limit store failed", extra={"error": repr(exc)})
            raise RateLimitUnavailable(
                "the rate limit store (rateLimit.storageUri) cannot be reached; "
                "retry later",
                headers={"Retry-After": "5"},
            ) from exc
        if allowed:
            return
        stats = self.strategy.get_window_stats(self.item, NAMESPACE, client_ip)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise TooManyRequests(
            f"more than {self.item} from this address; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def limiter_for(request: Request) -> InboundLimiter:
    """The limiter of this application, made on first use."""
    state = request.app.state
    with _lock:
        limiter = getattr(state, "inbound_limiter", None)
        if limiter is None:
            limiter = InboundLimiter(request.app.state.ctx.settings.rate_limit)
            state.inbound_limiter = limiter
    return limiter

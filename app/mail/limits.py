"""How many live IMAP calls may run at once for one account.

Each call holds a worker thread until its server answers (or its deadline
passes): without a bound, one stalling server could take every thread.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator

from app.errors import TooManyRequests

_lock = threading.Lock()
_in_flight: dict[str, int] = {}


@contextlib.contextmanager
def live_call(account_id: str, limit: int, deadline_seconds: float) -> Iterator[None]:
    """Hold one of the account's `limit` slots, or refuse with a 429."""
    with _lock:
        running = _in_flight.get(account_id, 0)
        if running >= limit:
            raise TooManyRequests(
                f"{running} live IMAP calls are already running for this account "
                f"(imap.maxLiveCallsPerAccount is {limit}); retry shortly",
                headers={"Retry-After": str(min(5, math.ceil(deadline_seconds)))},
            )
        _in_flight[account_id] = running + 1
    try:
        yield
    finally:
        with _lock:
            left = _in_flight[account_id] - 1
            if left:
                _in_flight[account_id] = left
            else:
                del _in_flight[account_id]

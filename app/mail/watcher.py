"""IMAP watchers: one per account, IDLE or polling."""

from __future__ import annotations

from app.context import AppContext
from app.workers import Worker


def workers(ctx: AppContext) -> list[Worker]:
    """The workers of this kind that one service process runs."""
    return []

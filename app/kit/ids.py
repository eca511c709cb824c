"""Prefixed random identifiers (`acc_…`, `evt_…`) and UTC timestamps."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_id(prefix: str, length: int = 20) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def utcnow() -> datetime:
    """The current time, aware, in UTC (the only kind the tables store)."""
    return datetime.now(UTC)


def isoformat_z(moment: datetime) -> str:
    """`2026-12-04T15:00:00Z`; a naive datetime is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"

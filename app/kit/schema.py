"""Base classes for API bodies: camelCase on the wire, snake_case accepted."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class ApiModel(BaseModel):
    """A response body."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, from_attributes=True
    )


class ApiInput(ApiModel):
    """A request body: unknown fields are refused so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Page(ApiModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = f"{created_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Raise ValueError when the cursor was not made by `encode_cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
        moment, row_id = raw.split("|", 1)
        parsed = datetime.fromisoformat(moment)
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ValueError("malformed cursor") from exc
    if parsed.tzinfo is None:
        raise ValueError("malformed cursor")  # encode_cursor writes aware times
    return parsed, row_id

"""Response bodies of the event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from app.kit.schema import ApiModel


class EventOut(ApiModel):
    id: str
    type: str = Field(description="The event name, as in the body's `event`.")
    account_id: str | None
    data: dict[str, Any]
    created_at: datetime

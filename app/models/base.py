"""Shared column helpers for the table models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field

from app.kit.ids import utcnow


def created_at_field() -> Any:
    return Field(default_factory=utcnow, nullable=False, index=True)


def updated_at_field() -> Any:
    return Field(default_factory=utcnow, nullable=False)


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=JSON, nullable=False)


def touch(row: Any) -> None:
    """Mark a row as updated now."""
    row.updated_at = utcnow()


__all__ = ["created_at_field", "datetime", "json_field", "touch", "updated_at_field"]

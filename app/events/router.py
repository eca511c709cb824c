"""The event log under /api/events."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["events"])

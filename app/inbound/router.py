"""Inbound webhook administration under /api/webhooks/inbound."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["inbound"])

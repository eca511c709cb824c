"""Outbound webhooks and deliveries under /api/webhooks/outbound and /api/deliveries."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["outbound"])

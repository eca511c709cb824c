"""Send API: POST /api/accounts/{id}/send and GET /api/outbox/{id}."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["sending"])

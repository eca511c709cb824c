"""Live mailbox access and watch status under /api/accounts/{id}."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["mail"])

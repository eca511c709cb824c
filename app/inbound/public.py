"""The public endpoint `POST /webhook/{id-or-path}`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["webhook"])

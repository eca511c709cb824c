"""Keyset pagination, newest first, over any table with `created_at` and `id`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from app.errors import BadRequest
from app.kit.schema import decode_cursor, encode_cursor

MAX_LIMIT = 200


def paginate(
    session: Session, model: Any, *filters: Any, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """One page of `model` rows matching `filters`, and the cursor of the next."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = select(model).where(*filters)
    if cursor:
        try:
            moment, row_id = decode_cursor(cursor)
        except ValueError as exc:
            raise BadRequest(
                "malformed cursor: pass back the `nextCursor` of the previous page"
            ) from exc
        query = query.where(
            or_(
                model.created_at < moment,
                and_(model.created_at == moment, model.id < row_id),
            )
        )
    query = query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    rows = list(session.exec(query))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.created_at, last.id)

"""Watch bookkeeping in the database: leases, status, error state, positions.

Every write is a conditional UPDATE so it is safe with several service
processes on PostgreSQL and on SQLite alike: the row that matches the
condition is changed by exactly one writer, and `rowcount` says who won.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.context import AppContext
from app.events.service import record_event
from app.kit.ids import isoformat_z, utcnow
from app.models import AccountWatch, WatchedFolder

logger = logging.getLogger(__name__)


def _changed(session: Session, statement: Any) -> bool:
    return session.exec(statement).rowcount == 1  # type: ignore[call-overload]


def acquire_lease(ctx: AppContext, account_id: str, holder: str) -> bool:
    """Take the account's watch if nobody holds it or the holder's lease ran out."""
    now = utcnow()
    _ensure_watch_row(ctx, account_id)
    statement = (
        update(AccountWatch)
        .where(
            col(AccountWatch.account_id) == account_id,
            or_(
                col(AccountWatch.holder).is_(None),
                col(AccountWatch.holder) == holder,
                col(AccountWatch.lease_expires_at) < now,
            ),
        )
        .values(holder=holder, lease_expires_at=_expiry(ctx), updated_at=now)
    )
    with ctx.transaction() as session:
        return _changed(session, statement)


def _ensure_watch_row(ctx: AppContext, account_id: str) -> None:
    try:
        with ctx.transaction() as session:
            if session.get(AccountWatch, account_id) is None:
                session.add(AccountWatch(account_id=account_id))
    except IntegrityError:
        pass  # another process made it first, or the account was just deleted


def _expiry(ctx: AppContext):
    return utcnow() + timedelta(seconds=ctx.settings.imap.lease_seconds)


def renew_lease(ctx: AppContext, account_id: str, holder: str) -> bool:
    """Extend a held lease; False when it was lost (taken over or row deleted)."""
    statement = (
        update(AccountWatch)
        .where(
            col(AccountWatch.account_id) == account_id,
            col(AccountWatch.holder) == holder,
        )
        .values(lease_expires_at=_expiry(ctx))
    )
    with ctx.transaction() as session:
        return _changed(session, statement)


def release_lease(ctx: AppContext, account_id: str, holder: str) -> None:
    """Give the watch up so another process may take it at once."""
    statement = (
        update(AccountWatch)
        .where(
            col(AccountWatch.account_id) == account_id,
            col(AccountWatch.holder) == holder,
        )
        .values(
            holder=None,
            lease_expires_at=None,
            connected=False,
            idle=False,
            updated_at=utcnow(),
        )
    )
    with ctx.transaction() as session:
        session.exec(statement)  # type: ignore[call-overload]


def set_status(ctx: AppContext, account_id: str, holder: str, **values: Any) -> None:
    """Update status columns, only while this holder still holds the watch."""
    statement = (
        update(AccountWatch)
        .where(
            col(AccountWatch.account_id) == account_id,
            col(AccountWatch.holder) == holder,
        )
        .values(**values, updated_at=utcnow())
    )
    with ctx.transaction() as session:
        session.exec(statement)  # type: ignore[call-overload]


def enter_error(
    ctx: AppContext, account_id: str, holder: str, kind: str, detail: str
) -> bool:
    """Note a failure; record `account.error` only when the error state changes."""
    now = utcnow()
    mine = (
        col(AccountWatch.account_id) == account_id,
        col(AccountWatch.holder) == holder,
    )
    seen = {"last_error": detail, "last_error_at": now, "error_detail": detail}
    down = {"connected": False, "idle": False, "updated_at": now}
    new_state = (
        update(AccountWatch)
        .where(
            *mine,
            or_(
                col(AccountWatch.error_kind).is_(None),
                col(AccountWatch.error_kind) != kind,
            ),
        )
        .values(error_kind=kind, error_since=now, **seen, **down)
    )
    with ctx.transaction() as session:
        if not _changed(session, new_state):
            session.exec(update(AccountWatch).where(*mine).values(**seen, **down))  # type: ignore[call-overload]
            return False
        data = {
            "accountId": account_id,
            "kind": kind,
            "detail": detail,
            "since": isoformat_z(now),
        }
        record_event(session, "account.error", data, account_id=account_id)
    logger.warning(
        "account watch entered an error state",
        extra={"account_id": account_id, "kind": kind, "detail": detail},
    )
    return True


def clear_error(ctx: AppContext, account_id: str, holder: str) -> None:
    """Leave the error state once the watch works again."""
    statement = (
        update(AccountWatch)
        .where(
            col(AccountWatch.account_id) == account_id,
            col(AccountWatch.holder) == holder,
            col(AccountWatch.error_kind).is_not(None),
        )
        .values(error_kind=None, error_detail=None, error_since=None)
    )
    with ctx.transaction() as session:
        recovered = _changed(session, statement)
    if recovered:
        logger.info("account watch recovered", extra={"account_id": account_id})


def folder_position(
    ctx: AppContext, account_id: str, folder: str
) -> WatchedFolder | None:
    with ctx.session() as session:
        return session.get(WatchedFolder, (account_id, folder))


def baseline(
    ctx: AppContext, account_id: str, folder: str, uidvalidity: int, last_uid: int
) -> None:
    """Start (or restart) a folder at `last_uid`: nothing below it is announced."""
    with ctx.transaction() as session:
        row = session.get(WatchedFolder, (account_id, folder))
        if row is None:
            row = WatchedFolder(account_id=account_id, folder=folder)
        row.uidvalidity = uidvalidity
        row.last_uid = last_uid
        row.updated_at = utcnow()
        session.add(row)


def record_received(
    ctx: AppContext,
    position: WatchedFolder,
    uid: int,
    data: dict[str, Any] | None,
) -> bool:
    """Advance the folder to `uid` and record its event in ONE transaction.

    The UPDATE only matches while the folder is still below `uid` with the
    same UIDVALIDITY, so a message is announced once even if two processes
    briefly overlap; a crash before commit leaves both undone. `data` None
    advances without an event (the message vanished before it was fetched).
    """
    statement = (
        update(WatchedFolder)
        .where(
            col(WatchedFolder.account_id) == position.account_id,
            col(WatchedFolder.folder) == position.folder,
            col(WatchedFolder.uidvalidity) == position.uidvalidity,
            col(WatchedFolder.last_uid) < uid,
        )
        .values(last_uid=uid, updated_at=utcnow())
    )
    with ctx.transaction() as session:
        if not _changed(session, statement):
            return False
        if data is not None:
            record_event(
                session, "email.received", data, account_id=position.account_id
            )
    return True

"""The watch status of an account, as the status route shows it."""

from __future__ import annotations

from typing import Literal

from sqlmodel import Session, col, select

from app.kit.ids import utcnow
from app.mail.schemas import AccountStatus, FolderWatch, WatchError
from app.models import Account, AccountWatch, WatchedFolder


def account_status(session: Session, account: Account) -> AccountStatus:
    """Connection, IDLE, error state and per-folder positions of one account."""
    watch = session.get(AccountWatch, account.id) or AccountWatch(account_id=account.id)
    folders = session.exec(
        select(WatchedFolder)
        .where(col(WatchedFolder.account_id) == account.id)
        .order_by(col(WatchedFolder.folder))
    )
    held = watch.holder is not None and (
        watch.lease_expires_at is not None and watch.lease_expires_at > utcnow()
    )
    error = None
    if watch.error_kind:
        error = WatchError(
            kind=watch.error_kind, detail=watch.error_detail, since=watch.error_since
        )
    return AccountStatus(
        account_id=account.id,
        enabled=account.enabled,
        state=_state(account, watch, held),
        watching=held,
        connected=held and watch.connected,
        idle=held and watch.idle,
        error=error,
        last_error=watch.last_error,
        last_error_at=watch.last_error_at,
        last_sync_at=watch.last_sync_at,
        folders=[
            FolderWatch(name=f.folder, uid_validity=f.uidvalidity, last_uid=f.last_uid)
            for f in folders
            if f.folder in account.folders
        ],
    )


State = Literal["disabled", "connecting", "ok", "error"]


def _state(account: Account, watch: AccountWatch, held: bool) -> State:
    if not account.enabled:
        return "disabled"
    if watch.error_kind:
        return "error"
    if held and watch.connected:
        return "ok"
    return "connecting"

"""Routes under /api/accounts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response
from sqlmodel import Session

from app.accounts import service
from app.accounts.schemas import (
    AccountCreate,
    AccountOut,
    AccountTestResult,
    AccountUpdate,
)
from app.context import AppContext, get_ctx, get_session
from app.kit.schema import Page

router = APIRouter(prefix="/accounts", tags=["accounts"])


@router.get("", operation_id="list_accounts", response_model=Page[AccountOut])
def list_accounts(
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    session: Session = Depends(get_session),
) -> Page[AccountOut]:
    """List mail accounts, newest first."""
    rows, next_cursor = service.list_accounts(session, limit=limit, cursor=cursor)
    return Page(items=[service.to_out(a) for a in rows], next_cursor=next_cursor)


@router.post(
    "", operation_id="create_account", response_model=AccountOut, status_code=201
)
def create_account(
    data: AccountCreate,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> AccountOut:
    """Add a mail account; its passwords are stored encrypted."""
    account = service.create_account(session, ctx.box, data)
    session.commit()
    ctx.wake("watcher")
    return service.to_out(account)


@router.get("/{account_id}", operation_id="get_account", response_model=AccountOut)
def get_account(account_id: str, session: Session = Depends(get_session)) -> AccountOut:
    """Show one account (without passwords)."""
    return service.to_out(service.get_account(session, account_id))


@router.patch("/{account_id}", operation_id="update_account", response_model=AccountOut)
def update_account(
    account_id: str,
    data: AccountUpdate,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> AccountOut:
    """Change some fields of an account; omitted fields keep their value."""
    account = service.get_account(session, account_id)
    service.update_account(session, ctx.box, account, data)
    session.commit()
    ctx.wake("watcher")
    return service.to_out(account)


@router.delete("/{account_id}", operation_id="delete_account", status_code=204)
def delete_account(
    account_id: str,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> Response:
    """Remove an account and stop watching it."""
    service.delete_account(session, service.get_account(session, account_id))
    session.commit()
    ctx.wake("watcher")
    return Response(status_code=204)


@router.post(
    "/{account_id}/test",
    operation_id="test_account",
    response_model=AccountTestResult,
)
def test_account(
    account_id: str,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> AccountTestResult:
    """Log in to the IMAP and SMTP servers and report what worked."""
    account = service.get_account(session, account_id)
    deadline = min(
        service.TEST_DEADLINE_SECONDS, ctx.settings.sender.send_deadline_seconds
    )
    return service.test_account(account, ctx.box, deadline)

"""Live mailbox access and watch status under /api/accounts/{id}."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import Session

from app.accounts.service import get_account
from app.context import AppContext, get_ctx, get_session
from app.mail import messages
from app.mail.schemas import (
    AccountStatus,
    FolderList,
    MessageOut,
    MessagePage,
    MessageSearch,
)
from app.mail.status import account_status

router = APIRouter(prefix="/accounts/{account_id}", tags=["mail"])


@router.get("/status", operation_id="get_account_status", response_model=AccountStatus)
def get_account_status(
    account_id: str, session: Session = Depends(get_session)
) -> AccountStatus:
    """Whether the account is watched, connected, idle, and its current error."""
    return account_status(session, get_account(session, account_id))


@router.get("/folders", operation_id="list_folders", response_model=FolderList)
def list_folders(
    account_id: str,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> FolderList:
    """List the account's IMAP folders with message and unseen counts."""
    account = get_account(session, account_id)
    return FolderList(items=messages.list_folders(ctx, account))


@router.get("/messages", operation_id="list_messages", response_model=MessagePage)
def list_messages(
    account_id: str,
    folder: str = Query("INBOX", min_length=1, max_length=400),
    from_: str | None = Query(None, alias="from", max_length=320),
    to: str | None = Query(None, max_length=320),
    subject: str | None = Query(None, max_length=500),
    text: str | None = Query(None, max_length=500),
    since: str | None = Query(None, description="ISO date; matched by day"),
    unseen: bool = False,
    cursor: str | None = None,
    limit: int = Query(20, ge=1, le=100),
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> MessagePage:
    """List or search messages in a folder, newest first, without marking them seen."""
    account = get_account(session, account_id)
    query = MessageSearch.model_validate(
        {
            "folder": folder,
            "from": from_,
            "to": to,
            "subject": subject,
            "text": text,
            "since": since,
            "unseen": unseen,
            "cursor": cursor,
            "limit": limit,
        }
    )
    return messages.list_messages(ctx, account, query)


@router.post(
    "/messages/search", operation_id="search_messages", response_model=MessagePage
)
def search_messages(
    account_id: str,
    query: MessageSearch,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> MessagePage:
    """Search messages by sender, recipient, subject, text, date or unseen state."""
    return messages.list_messages(ctx, get_account(session, account_id), query)


@router.get("/messages/{uid}", operation_id="read_message", response_model=MessageOut)
def read_message(
    account_id: str,
    uid: int = Path(ge=1, le=4294967295),
    folder: str = Query("INBOX", min_length=1, max_length=400),
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> MessageOut:
    """Read one message (headers, text, HTML, attachments) without marking it seen."""
    account = get_account(session, account_id)
    return messages.read_message(ctx, account, folder, uid)

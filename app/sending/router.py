"""Send API: POST /api/accounts/{id}/send and the outbox under /api/outbox."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from app.accounts.service import get_account
from app.context import AppContext, get_ctx, get_session
from app.kit.schema import Page
from app.sending import service
from app.sending.schemas import JobStatus, OutgoingEmail, SendJobOut

router = APIRouter(tags=["sending"])


@router.post(
    "/accounts/{account_id}/send",
    operation_id="send_email",
    response_model=SendJobOut,
    status_code=202,
)
def send_email(
    account_id: str,
    email: OutgoingEmail,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> SendJobOut:
    """Queue an email from this account; follow the job at links.self."""
    account = get_account(session, account_id)
    job = service.queue_email(session, account, email)
    session.commit()
    return service.to_out(job, len(ctx.settings.sender.retry_schedule))


@router.get("/outbox", operation_id="list_send_jobs", response_model=Page[SendJobOut])
def list_send_jobs(
    account_id: str | None = Query(None, alias="accountId"),
    status: JobStatus | None = None,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> Page[SendJobOut]:
    """List send jobs, newest first, optionally for one account or status."""
    rows, next_cursor = service.list_jobs(
        session, account_id=account_id, status=status, limit=limit, cursor=cursor
    )
    attempts = len(ctx.settings.sender.retry_schedule)
    return Page(
        items=[service.to_out(job, attempts) for job in rows], next_cursor=next_cursor
    )


@router.get("/outbox/{job_id}", operation_id="get_send_job", response_model=SendJobOut)
def get_send_job(
    job_id: str,
    session: Session = Depends(get_session),
    ctx: AppContext = Depends(get_ctx),
) -> SendJobOut:
    """Show a send job: queued, sending, sent or failed, with its attempts."""
    job = service.get_job(session, job_id)
    return service.to_out(job, len(ctx.settings.sender.retry_schedule))

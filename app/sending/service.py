"""Queueing email and reading the outbox. Services flush; callers commit."""

from __future__ import annotations

import logging
from email.utils import make_msgid
from typing import cast

from pydantic import ValidationError
from sqlmodel import Session

from app.db import wake_after_commit
from app.errors import Conflict, NotFound, ValidationFailed
from app.kit.ids import new_id
from app.kit.pagination import paginate
from app.models import Account, SendJob
from app.sending.schemas import JobLinks, JobStatus, OutgoingEmail, SendJobOut

logger = logging.getLogger(__name__)


class AccountDisabled(Conflict):
    """The account exists but is disabled, so it sends nothing."""


class InvalidEmail(ValidationFailed):
    """The email to send has bad fields."""


def queue_email(
    session: Session,
    account: Account,
    email: OutgoingEmail,
    *,
    invocation_id: str | None = None,
) -> SendJob:
    """Add a send job; the Message-ID is fixed now so retries keep it."""
    if not account.enabled:
        raise AccountDisabled(
            f"account '{account.id}' is disabled; enable it with "
            f'PATCH /api/accounts/{account.id} {{"enabled": true}} to send from it'
        )
    email = revalidate(email)
    domain = account.email.rsplit("@", 1)[-1]
    job = SendJob(
        id=new_id("job"),
        account_id=account.id,
        invocation_id=invocation_id,
        message=email.model_dump(mode="json", exclude_none=True),
        message_id=make_msgid(domain=domain),
    )
    session.add(job)
    session.flush()
    wake_after_commit(session, "sender")
    logger.info("email queued", extra={"job_id": job.id, "account_id": account.id})
    return job


def revalidate(email: OutgoingEmail) -> OutgoingEmail:
    """Check again, so an email built without validation cannot slip through."""
    try:
        return OutgoingEmail.model_validate(email.model_dump(exclude_none=True))
    except ValidationError as exc:
        raise InvalidEmail(describe(exc)) from exc


def describe(exc: ValidationError) -> str:
    """'field: problem; field: problem' for every bad field."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "email"
        parts.append(f"{loc}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def get_job(session: Session, job_id: str) -> SendJob:
    """One send job, or NotFound."""
    job = session.get(SendJob, job_id)
    if job is None:
        raise NotFound(f"no send job with id '{job_id}'; GET /api/outbox lists them")
    return job


def list_jobs(
    session: Session,
    *,
    account_id: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[SendJob], str | None]:
    """A page of send jobs, newest first, filtered by account and status."""
    filters = []
    if account_id is not None:
        filters.append(SendJob.account_id == account_id)
    if status is not None:
        filters.append(SendJob.status == status)
    return paginate(session, SendJob, *filters, limit=limit, cursor=cursor)


def to_out(job: SendJob, max_attempts: int) -> SendJobOut:
    """The job as the API shows it (without bodies or attachments)."""
    message = job.message
    final = job.status in ("sent", "failed")
    return SendJobOut(
        id=job.id,
        account_id=job.account_id,
        invocation_id=job.invocation_id,
        status=cast(JobStatus, job.status),
        retrying=job.status == "queued" and job.attempts > 0,
        message_id=job.message_id,
        to=message.get("to") or [],
        cc=message.get("cc") or [],
        subject=message.get("subject"),
        attempts=job.attempts,
        max_attempts=max_attempts,
        next_attempt_at=None if final else job.next_attempt_at,
        last_error=job.last_error,
        smtp_response=job.smtp_response,
        refused=job.refused,
        note=job.note,
        sent_at=job.sent_at,
        created_at=job.created_at,
        updated_at=job.updated_at,
        links=JobLinks(
            self=f"/api/outbox/{job.id}", account=f"/api/accounts/{job.account_id}"
        ),
    )

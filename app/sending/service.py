"""Queueing email for the sender worker. Services flush; callers commit."""

from __future__ import annotations

from email.utils import make_msgid

from sqlmodel import Session

from app.db import wake_after_commit
from app.kit.ids import new_id
from app.models import Account, SendJob
from app.sending.schemas import OutgoingEmail


def queue_email(
    session: Session,
    account: Account,
    email: OutgoingEmail,
    *,
    invocation_id: str | None = None,
) -> SendJob:
    """Add a send job; the Message-ID is fixed now so retries keep it."""
    domain = account.email.rsplit("@", 1)[-1]
    job = SendJob(
        id=new_id("job"),
        account_id=account.id,
        invocation_id=invocation_id,
        message=email.model_dump(mode="json"),
        message_id=make_msgid(domain=domain),
    )
    session.add(job)
    session.flush()
    wake_after_commit(session, "sender")
    return job

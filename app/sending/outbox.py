"""The outbox table as a queue: claiming due jobs and recording how they went.

A claim is one conditional UPDATE, so two processes never take the same job:
on PostgreSQL the candidate row is picked with FOR UPDATE SKIP LOCKED, on
SQLite the single statement holds the write lock. A claim carries a lease; a
job whose lease ran out (its process died mid-send) is due again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from app.context import AppContext
from app.db import is_sqlite
from app.events.service import record_event
from app.kit.ids import isoformat_z, new_id, utcnow
from app.models import SendJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    job_id: str
    token: str


@dataclass(frozen=True)
class Sent:
    summary: dict[str, Any]
    response: str
    refused: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Retry:
    error: str
    delay: float
    response: str | None = None


@dataclass(frozen=True)
class Failed:
    summary: dict[str, Any]
    error: str
    response: str | None = None


Outcome = Sent | Retry | Failed


def _due(now: datetime) -> Any:
    return or_(
        and_(col(SendJob.status) == "queued", col(SendJob.next_attempt_at) <= now),
        and_(col(SendJob.status) == "sending", col(SendJob.claimed_until) < now),
    )


def claim_next(ctx: AppContext) -> Claim | None:
    """Take the most overdue job for this process, or None when none is due."""
    now = utcnow()
    pick = (
        select(col(SendJob.id))
        .where(_due(now))
        .order_by(col(SendJob.next_attempt_at))
        .limit(1)
    )
    if not is_sqlite(ctx.engine):
        pick = pick.with_for_update(skip_locked=True)
    token = new_id("clm")
    claim = (
        update(SendJob)
        .where(col(SendJob.id) == pick.scalar_subquery(), _due(now))
        .values(
            status="sending",
            claimed_until=now + timedelta(seconds=ctx.settings.sender.lease_seconds),
            claim_token=token,
            attempts=SendJob.attempts + 1,
            updated_at=now,
        )
        .returning(col(SendJob.id))
    )
    with ctx.transaction() as session:
        job_id = session.exec(claim).scalar_one_or_none()
    return None if job_id is None else Claim(job_id, token)


def seconds_until_due(ctx: AppContext) -> float | None:
    """How long until the next job is due (queued, or a lease running out)."""
    with ctx.session() as session:
        queued = session.exec(
            select(func.min(col(SendJob.next_attempt_at))).where(
                col(SendJob.status) == "queued"
            )
        ).one()
        leased = session.exec(
            select(func.min(col(SendJob.claimed_until))).where(
                col(SendJob.status) == "sending"
            )
        ).one()
    moments = [m for m in (queued, leased) if m is not None]
    if not moments:
        return None
    return max((min(moments) - utcnow()).total_seconds(), 0.0)


def finish(ctx: AppContext, claim: Claim, outcome: Outcome) -> bool:
    """Record the outcome, with its event, in one transaction; False if the
    claim was lost (the lease ran out and another process took the job) and
    the outcome is not a send the server accepted."""
    with ctx.transaction() as session:
        held = _still_held(session, claim)
        if not held and not (isinstance(outcome, Sent) and _take_back(session, claim)):
            logger.warning("send job claim lost", extra={"job_id": claim.job_id})
            return False
        job = session.get(SendJob, claim.job_id)
        assert job is not None
        _apply(session, job, outcome)
    return True


def _still_held(session: Session, claim: Claim) -> bool:
    # Writing first takes SQLite's write lock before any read, so the
    # transaction cannot fail later on a snapshot another writer moved on.
    result = session.exec(
        update(SendJob)
        .where(
            col(SendJob.id) == claim.job_id,
            col(SendJob.claim_token) == claim.token,
            col(SendJob.status) == "sending",
        )
        .values(updated_at=utcnow(), claimed_until=None, claim_token=None)
    )
    return result.rowcount == 1


def _take_back(session: Session, claim: Claim) -> bool:
    # The server accepted the email after the claim was lost: that is what
    # happened, whatever another process recorded meanwhile (a retry, or a
    # failure once the attempts ran out), so the job is marked sent.
    result = session.exec(
        update(SendJob)
        .where(col(SendJob.id) == claim.job_id, col(SendJob.status) != "sent")
        .values(updated_at=utcnow(), claimed_until=None, claim_token=None)
    )
    return result.rowcount == 1


def _apply(session: Session, job: SendJob, outcome: Outcome) -> None:
    if isinstance(outcome, Retry):
        job.status = "queued"
        job.last_error = outcome.error
        job.smtp_response = outcome.response
        job.next_attempt_at = utcnow() + timedelta(seconds=outcome.delay)
        logger.info("send job will be retried", extra={"job_id": job.id})
    elif isinstance(outcome, Sent):
        job.status = "sent"
        job.sent_at = utcnow()
        job.smtp_response = outcome.response
        job.refused = outcome.refused
        data = _event_data(job, outcome.summary)
        data |= {"sentAt": isoformat_z(job.sent_at), "smtpResponse": outcome.response}
        if outcome.refused:
            data["refused"] = _visible_refusals(outcome.refused, outcome.summary)
        record_event(session, "email.sent", data, account_id=job.account_id)
        logger.info("email sent", extra={"job_id": job.id})
    else:
        job.status = "failed"
        job.last_error = outcome.error
        job.smtp_response = outcome.response
        data = _event_data(job, outcome.summary)
        data |= {
            "error": outcome.error,
            "smtpResponse": outcome.response,
            "attempts": job.attempts,
        }
        record_event(session, "email.send_failed", data, account_id=job.account_id)
        logger.warning("email send failed", extra={"job_id": job.id})
    session.add(job)


def _event_data(job: SendJob, summary: dict[str, Any]) -> dict[str, Any]:
    # Bcc recipients are private to the sender: no event (and so no webhook
    # receiver) ever learns them.
    return {
        "accountId": job.account_id,
        "jobId": job.id,
        "invocationId": job.invocation_id,
        "messageId": job.message_id,
        **summary,
    }


def _visible_refusals(refused: dict[str, str], summary: dict[str, Any]) -> dict:
    shown = {a.lower() for a in [*summary.get("to", []), *summary.get("cc", [])]}
    return {rcpt: answer for rcpt, answer in refused.items() if rcpt.lower() in shown}


def add_note(ctx: AppContext, job_id: str, note: str) -> None:
    """Keep a remark on a finished job (e.g. the Sent copy failed)."""
    with ctx.transaction() as session:
        session.exec(
            update(SendJob)
            .where(col(SendJob.id) == job_id)
            .values(note=note, updated_at=utcnow())
        )

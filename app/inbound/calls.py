"""What one call to /webhook/<id> does once its body is read: render, queue, answer.

Every function here is synchronous (database work) and runs in a worker thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.context import AppContext
from app.errors import AppError, NotFound, ValidationFailed
from app.inbound import actions as action_rules
from app.inbound.service import find_by_id_or_path
from app.kit.ids import new_id
from app.models import Account, Invocation, SendJob
from app.sending.service import queue_email

logger = logging.getLogger(__name__)

FINAL_JOB_STATES = ("sent", "failed")


@dataclass(frozen=True)
class Target:
    """What a call needs of its webhook, read once."""

    id: str
    secret: str
    auth_mode: str
    actions: list[dict[str, Any]]


@dataclass
class Call:
    """One request to a webhook, as the actions see it."""

    client_ip: str | None
    idempotency_key: str | None
    content_type: str | None = None
    body_bytes: int = 0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answer:
    status_code: int
    body: dict[str, Any]


def find_target(ctx: AppContext, key: str) -> Target:
    """The enabled webhook at `key` (id or path), or 404."""
    with ctx.session() as session:
        webhook = find_by_id_or_path(session, key)
        if webhook is None or not webhook.enabled:
            raise NotFound(f"no enabled webhook at /webhook/{key}")
        return Target(
            id=webhook.id,
            secret=ctx.box.decrypt(webhook.secret_enc),
            auth_mode=webhook.auth_mode,
            actions=list(webhook.actions),
        )


def replay(ctx: AppContext, target: Target, key: str | None) -> Answer | None:
    """The first answer given for this Idempotency-Key, if there was one."""
    if key is None:
        return None
    with ctx.session() as session:
        return _stored_answer(session, target.id, key)


def _stored_answer(session: Session, webhook_id: str, key: str) -> Answer | None:
    query = select(Invocation).where(
        Invocation.webhook_id == webhook_id, Invocation.idempotency_key == key
    )
    invocation = session.exec(query).first()
    if invocation is None:
        return None
    stored = invocation.response
    return Answer(stored["statusCode"], stored["body"])


def execute(ctx: AppContext, target: Target, call: Call) -> Answer:
    """Render the actions and, in one transaction, record the call and queue jobs."""
    with ctx.session() as session:
        planned = _plan(session, target, call)
        invocation = _invocation(target, call, 202, "queued")
        session.add(invocation)
        try:
            session.flush()
            jobs = [
                queue_email(session, account, email, invocation_id=invocation.id)
                for account, email in planned
            ]
            answer = Answer(202, _body(invocation.id, jobs, "queued"))
            invocation.job_ids = [job.id for job in jobs]
            invocation.response = _stored(answer)
            session.commit()
        except IntegrityError:
            # Another request with the same Idempotency-Key got there first.
            session.rollback()
            first = _stored_answer(session, target.id, call.idempotency_key or "")
            if first is None:
                raise
            return first
    logger.info(
        "inbound call queued",
        extra={"webhook_id": target.id, "invocation_id": invocation.id},
    )
    return answer


def _only_account_id(session: Session) -> str | None:
    """The id of the service's single enabled account, if it has exactly one."""
    ids = session.exec(select(Account.id).where(Account.enabled).limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def _plan(session: Session, target: Target, call: Call) -> list[tuple[Account, Any]]:
    chosen, why_not = action_rules.select_actions(target.actions, call.data["body"])
    if why_not:
        raise ValidationFailed(why_not)
    problems = action_rules.RenderProblems()
    planned = []
    default_account = _only_account_id(session)
    for index, action in enumerate(chosen):
        prefix = f"actions[{index}]." if len(chosen) > 1 else ""
        email = action_rules.render_action(
            action, call.data, prefix, problems, default_account
        )
        if email is None:
            continue
        account = session.get(Account, email.account_id)
        if account is None:
            problems.invalid.append(
                f"{prefix}accountId: no account with id '{email.account_id}'"
            )
            continue
        planned.append((account, email.email))
    if problems:
        raise ValidationFailed(problems.describe())
    return planned


def record_rejection(
    ctx: AppContext, target: Target, call: Call, error: AppError
) -> None:
    """Keep a trace of a refused call (status and reason, never the body)."""
    invocation = _invocation(target, call, error.status_code, "rejected")
    invocation.error = error.detail
    # The key stays free: the caller may fix the request and retry with it.
    invocation.idempotency_key = None
    with ctx.session() as session:
        session.add(invocation)
        session.commit()


def job_results(ctx: AppContext, job_ids: list[str]) -> list[dict[str, Any]]:
    """The current state of each job, in the order given."""
    with ctx.session() as session:
        jobs = {
            job.id: job
            for job in session.exec(select(SendJob).where(SendJob.id.in_(job_ids)))  # type: ignore[attr-defined]
        }
    return [_result(jobs[job_id]) for job_id in job_ids if job_id in jobs]


def _result(job: SendJob) -> dict[str, Any]:
    result: dict[str, Any] = {
        "jobId": job.id,
        "status": job.status,
        "messageId": job.message_id,
    }
    if job.status == "failed":
        result["error"] = job.last_error
    return result


def settle(ctx: AppContext, invocation_id: str, answer: Answer, outcome: str) -> None:
    """Store the answer given after waiting, so a replay repeats it."""
    with ctx.session() as session:
        invocation = session.get(Invocation, invocation_id)
        if invocation is None:
            return
        invocation.status_code = answer.status_code
        invocation.outcome = outcome
        invocation.response = _stored(answer)
        if outcome == "failed":
            invocation.error = answer.body.get("detail")
        session.commit()


def _invocation(
    target: Target, call: Call, status_code: int, outcome: str
) -> Invocation:
    return Invocation(
        id=new_id("inv"),
        webhook_id=target.id,
        client_ip=call.client_ip,
        status_code=status_code,
        outcome=outcome,
        idempotency_key=call.idempotency_key,
        content_type=call.content_type,
        body_bytes=call.body_bytes,
    )


def _body(invocation_id: str, jobs: list[SendJob], status: str) -> dict[str, Any]:
    return {
        "invocationId": invocation_id,
        "jobs": [j.id for j in jobs],
        "status": status,
    }


def _stored(answer: Answer) -> dict[str, Any]:
    return {"statusCode": answer.status_code, "body": answer.body}

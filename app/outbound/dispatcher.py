"""Webhook dispatcher: claims due deliveries and attempts them in a thread pool.

Claiming sets a lease (`claimed_until`) and a token with one conditional
UPDATE, so several dispatchers (threads or processes) never take the same
delivery; on PostgreSQL the candidate rows are also locked with FOR UPDATE
SKIP LOCKED so concurrent dispatchers skip each other's rows instead of
waiting. A process killed mid-attempt leaves a lease that simply runs out,
and the delivery is claimed again: delivery is at least once.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from app import __version__
from app.context import AppContext
from app.kit.ids import new_id, utcnow
from app.kit.signing import signature_headers
from app.kit.urlsafety import UnsafeUrl, parse_networks, resolve_target
from app.models import Delivery
from app.outbound.attempt import AttemptResult, Poster
from app.outbound.outcome import Claim, Job, load_job, record_attempt, record_not_sent
from app.workers import Worker

logger = logging.getLogger(__name__)

POLL_SECONDS = 5.0
USER_AGENT = f"mailing-manager/{__version__}"


def lease_seconds(timeout: float) -> float:
    """How long a claim lasts: longer than any attempt can take.

    An HTTP attempt is cut off after `timeout` seconds in all; the margin
    covers resolving the host name before it and recording the outcome after.
    """
    return 2 * timeout + 5


def claim_due(
    session: Session, limit: int, lease: float, per_endpoint: int
) -> list[Claim]:
    """Claim up to `limit` due deliveries for `lease` seconds; commits.

    A webhook never holds more than `per_endpoint` unexpired claims, so a slow
    endpoint cannot take every slot; within that cap the earliest due go first.
    """
    now = utcnow()
    token = new_id("clm")
    free = or_(col(Delivery.claimed_until).is_(None), col(Delivery.claimed_until) < now)
    due = select(Delivery.id).where(
        col(Delivery.id).in_(_fair_candidates(now, free, limit, per_endpoint))
    )
    if session.get_bind().dialect.name != "sqlite":
        due = due.with_for_update(skip_locked=True)
    session.exec(  # type: ignore[call-overload]
        update(Delivery)
        .where(col(Delivery.id).in_(due), col(Delivery.status) == "pending", free)
        .values(claimed_until=now + timedelta(seconds=lease), claim_token=token)
    )
    session.commit()
    ids = session.exec(select(Delivery.id).where(col(Delivery.claim_token) == token))
    return [Claim(delivery_id, token) for delivery_id in ids]


def _fair_candidates(
    now: datetime, free: ColumnElement[bool], limit: int, per_endpoint: int
) -> Select[tuple[str]]:
    """Ids of due deliveries, each webhook's earliest up to its free slots."""
    held = aliased(Delivery)
    busy = (
        select(func.count())
        .where(
            col(held.webhook_id) == col(Delivery.webhook_id),
            col(held.status) == "pending",
            col(held.claimed_until) >= now,
        )
        .scalar_subquery()
    )
    rank = func.row_number().over(
        partition_by=col(Delivery.webhook_id),
        order_by=(col(Delivery.next_attempt_at), col(Delivery.id)),
    )
    ranked = (
        select(
            col(Delivery.id).label("id"),
            col(Delivery.next_attempt_at).label("due_at"),
            (rank + busy).label("load"),
        )
        .where(col(Delivery.status) == "pending", col(Delivery.next_attempt_at) <= now)
        .where(free)
        .subquery()
    )
    return (
        select(ranked.c.id)
        .where(ranked.c.load <= per_endpoint)
        .order_by(ranked.c.due_at, ranked.c.id)
        .limit(limit)
    )


def seconds_until_due(session: Session, since: datetime) -> float:
    """Seconds until the next delivery due after `since` or lease end (capped).

    Deliveries already due at `since` but not claimed then wait for their
    webhook's claims to end: a finished attempt wakes the dispatcher, and an
    abandoned claim is covered by its lease end.
    """
    now = utcnow()
    pending = col(Delivery.status) == "pending"
    next_due = session.exec(
        select(func.min(Delivery.next_attempt_at)).where(
            pending,
            col(Delivery.claimed_until).is_(None),
            col(Delivery.next_attempt_at) > since,
        )
    ).one()
    lease_end = session.exec(
        select(func.min(Delivery.claimed_until)).where(pending)
    ).one()
    moments = [m for m in (next_due, lease_end) if m is not None]
    if not moments:
        return POLL_SECONDS
    return max(0.0, min(POLL_SECONDS, (min(moments) - now).total_seconds()))


class Dispatcher(Worker):
    """Delivers due outbound deliveries, `outbound.concurrency` at a time."""

    name = "dispatcher"

    def __init__(self, ctx: AppContext):
        super().__init__(ctx)
        settings = ctx.settings.outbound
        self._networks = parse_networks(settings.allowed_networks)
        self._poster = Poster(settings.timeout_seconds)
        self._pool = ThreadPoolExecutor(
            settings.concurrency, thread_name_prefix="mm-delivery"
        )
        self._running: set[Future[None]] = set()
        self._lock = threading.Lock()

    def run_once(self) -> float | None:
        settings = self.ctx.settings.outbound
        free = settings.concurrency - self._busy()
        if free <= 0:
            return POLL_SECONDS  # a finishing attempt wakes the loop
        with self.ctx.session() as session:
            lease = lease_seconds(settings.timeout_seconds)
            started = utcnow()
            claims = claim_due(session, free, lease, settings.per_endpoint_concurrency)
            for claim in claims:
                self._submit(claim)
            if len(claims) >= free:
                return 0.0  # more may be due: claim again once a slot frees
            return seconds_until_due(session, started)

    def _busy(self) -> int:
        with self._lock:
            return len(self._running)

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        # Running attempts get `timeout` to finish; one cut short leaves a
        # lease that runs out, and the delivery is attempted again later.
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            running = set(self._running)
        wait(running, timeout=timeout)

    def _submit(self, claim: Claim) -> None:
        future = self._pool.submit(self.deliver, claim)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._finished)

    def _finished(self, future: Future[None]) -> None:
        with self._lock:
            self._running.discard(future)
        if not future.cancelled() and future.exception() is not None:
            logger.error("delivery attempt crashed", exc_info=future.exception())
        self.ctx.wake(self.name)

    def deliver(self, claim: Claim) -> None:
        """Attempt one claimed delivery and record what happened."""
        with self.ctx.session() as session:
            job = load_job(session, self.ctx.box, claim)
        if job is None:
            return
        if not job.sendable:
            with self.ctx.transaction() as session:
                record_not_sent(session, job)
            return
        result = self._attempt(job)
        with self.ctx.transaction() as session:
            status = record_attempt(session, self.ctx.settings.outbound, job, result)
        logger.info(
            "delivery attempted",
            extra={
                "delivery_id": claim.delivery_id,
                "status_code": result.status_code,
                "outcome": status,
            },
        )

    def _attempt(self, job: Job) -> AttemptResult:
        settings = self.ctx.settings.outbound
        started = time.monotonic()
        try:
            target = resolve_target(job.url, self._networks, settings.require_https)
        except UnsafeUrl as exc:
            elapsed = int((time.monotonic() - started) * 1000)
            return AttemptResult(None, elapsed, error=f"not sent: {exc.detail}")
        return self._poster.post(target, self._headers(job), job.body)

    @staticmethod
    def _headers(job: Job) -> dict[str, str]:
        timestamp = int(time.time())
        return {
            **signature_headers(job.keys, job.event_id, timestamp, job.body),
            "X-Webhook-Event": job.event_type,
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
        }


def workers(ctx: AppContext) -> list[Worker]:
    """The workers of this kind that one service process runs."""
    return [Dispatcher(ctx)]

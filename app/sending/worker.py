"""SMTP sender worker: delivers queued send jobs.

Delivery is at least once: a process killed between the server's "250" and
the commit leaves the job claimed, and it is sent again once the lease runs
out (with the same Message-ID, so receivers can tell). A live send never
outlasts its lease: each SMTP transaction is cut off after
`sender.sendDeadlineSeconds` (a transient failure, retried on the schedule),
and the settings require the lease to be longer. Should a server's "250" still
arrive after the claim was lost, the job is recorded as sent all the same,
never left failed or queued by whoever took it over.

When the server accepts some recipients and refuses others, the email is
sent: the refused ones and the server's answers are kept on the job (and in
the `email.sent` event, bcc excepted) and are not retried, since a retry would
send the email a second time to everyone who accepted it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from app.accounts.service import server_login
from app.context import AppContext
from app.kit.ids import utcnow
from app.mail.connect import MailServerError, ServerLogin
from app.models import Account, SendJob
from app.sending import checks, imap, mime, outbox, smtp
from app.sending.schemas import OutgoingEmail
from app.workers import Worker

logger = logging.getLogger(__name__)

MAX_IDLE_SECONDS = 5.0
MAX_JOBS_PER_PASS = 50


class Permanent(Exception):
    """The job cannot succeed; record it as failed now."""


class Transient(Exception):
    """The job may succeed later; retry it on the schedule."""


class SenderWorker(Worker):
    """Claims due jobs and sends up to `sender.concurrency` of them at once,
    each in its own thread, so one slow server holds up only its own jobs."""

    name = "sender"

    def __init__(self, ctx: AppContext):
        super().__init__(ctx)
        self._slots = threading.BoundedSemaphore(ctx.settings.sender.concurrency)
        self._lock = threading.Lock()
        self._running: set[threading.Thread] = set()

    def run_once(self) -> float | None:
        for _ in range(MAX_JOBS_PER_PASS):
            if self.stopping:
                return 0
            if not self._slots.acquire(blocking=False):
                # Every slot is busy; a finishing job wakes this loop up.
                return MAX_IDLE_SECONDS
            claim = outbox.claim_next(self.ctx)
            if claim is None:
                self._slots.release()
                break
            self._start(claim)
        delay = outbox.seconds_until_due(self.ctx)
        return MAX_IDLE_SECONDS if delay is None else min(delay, MAX_IDLE_SECONDS)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming, then give the sends in flight `timeout` s to end."""
        super().stop(timeout)
        self.wait_idle(timeout)

    def wait_idle(self, timeout: float) -> None:
        """Wait (at most `timeout` s) for the sends in flight to end."""
        end = time.monotonic() + timeout
        with self._lock:
            running = list(self._running)
        for thread in running:
            thread.join(max(end - time.monotonic(), 0))

    def _start(self, claim: outbox.Claim) -> None:
        thread = threading.Thread(
            target=self._run, args=(claim,), name="mm-sender-job", daemon=True
        )
        with self._lock:
            self._running.add(thread)
        thread.start()

    def _run(self, claim: outbox.Claim) -> None:
        try:
            self.deliver(claim)
        except Exception:
            logger.exception("send job crashed", extra={"job_id": claim.job_id})
        finally:
            with self._lock:
                self._running.discard(threading.current_thread())
            self._slots.release()
            self.ctx.wake(self.name)

    def deliver(self, claim: outbox.Claim) -> None:
        """Send one claimed job and record the outcome."""
        job, account = self._load(claim.job_id)
        summary = _summary(job, account)
        try:
            account = self._usable(job, account)
            built = self._build(job, account)
            summary = _built_summary(built, account)
            data = built.data
            login = self._login(account, "smtp")
            deadline = self.ctx.settings.sender.send_deadline_seconds
            accepted = smtp.send(login, built.sender, built.recipients, data, deadline)
        except (Permanent, smtp.SendFailure, Transient) as exc:
            self._failed(claim, job, summary, exc)
            return
        except Exception:
            # A bug must not leave the job claimed and retried forever.
            logger.exception("send job crashed", extra={"job_id": job.id})
            error = "internal error while sending; see the server log"
            outbox.finish(self.ctx, claim, outbox.Failed(summary, error))
            return
        sent = outbox.Sent(summary, accepted.response, accepted.refused)
        if outbox.finish(self.ctx, claim, sent) and account.sent_folder:
            self._copy_to_sent(job, account, account.sent_folder, data)

    def _load(self, job_id: str) -> tuple[SendJob, Account | None]:
        with self.ctx.session() as session:
            job = session.get(SendJob, job_id)
            assert job is not None
            return job, session.get(Account, job.account_id)

    def _usable(self, job: SendJob, account: Account | None) -> Account:
        if job.attempts > len(self.ctx.settings.sender.retry_schedule):
            raise Permanent(
                f"gave up after {job.attempts - 1} attempts; the last one stopped "
                "mid-send (was the process killed?)"
            )
        if account is None:
            raise Permanent(f"account '{job.account_id}' no longer exists")
        if not account.enabled:
            raise Permanent(f"account '{account.id}' was disabled before sending")
        return account

    def _build(self, job: SendJob, account: Account) -> mime.Built:
        email = OutgoingEmail.model_validate(job.message)
        original = self._original(email, account)
        sender = mime.Sender(account.email, account.display_name)
        try:
            return mime.build(sender, email, job.message_id, utcnow(), original)
        except (mime.BuildError, ValueError) as exc:
            raise Permanent(f"cannot build the message: {exc}") from exc

    def _original(self, email: OutgoingEmail, account: Account) -> mime.Original | None:
        if email.in_reply_to is None:
            return None
        try:
            return imap.find_original(
                self._login(account, "imap"), email.in_reply_to, account.folders
            )
        except imap.OriginalNotFound as exc:
            raise Permanent(f"cannot reply: {exc}") from exc
        except MailServerError as exc:
            error = f"cannot look up the message to reply to: {exc.detail}"
            if exc.kind == "connection":
                raise Transient(error) from exc
            raise Permanent(error) from exc

    def _login(self, account: Account, protocol: str) -> ServerLogin:
        timeout = self.ctx.settings.sender.timeout_seconds
        return server_login(account, protocol, self.ctx.box, timeout)

    def _failed(
        self, claim: outbox.Claim, job: SendJob, summary: dict, exc: Exception
    ) -> None:
        error = str(exc)
        response = None
        if isinstance(exc, smtp.SendFailure):
            error = _describe_failure(exc, job)
            response = exc.response
        transient = isinstance(exc, Transient) or (
            isinstance(exc, smtp.SendFailure) and exc.transient
        )
        schedule = self.ctx.settings.sender.retry_schedule
        if transient and job.attempts < len(schedule):
            retry = outbox.Retry(error, schedule[job.attempts], response)
            outbox.finish(self.ctx, claim, retry)
            return
        if transient:
            error = f"gave up after {job.attempts} attempts: {error}"
        outbox.finish(self.ctx, claim, outbox.Failed(summary, error, response))

    def _copy_to_sent(
        self, job: SendJob, account: Account, folder: str, data: bytes
    ) -> None:
        # The email is sent whatever happens here: a failed copy is only noted.
        try:
            imap.append_sent(self._login(account, "imap"), folder, data)
        except MailServerError as exc:
            logger.warning(
                "copy to the Sent folder failed",
                extra={"job_id": job.id, "account_id": account.id, "kind": exc.kind},
            )
            outbox.add_note(
                self.ctx,
                job.id,
                f"sent, but the copy to folder '{folder}' failed: {exc.detail}",
            )


def _describe_failure(failure: smtp.SendFailure, job: SendJob) -> str:
    """The failure with each refused recipient's answer, bcc ones unnamed."""
    if not failure.refused:
        return failure.error
    hidden = {a.lower() for a in _bare(job.message.get("bcc"))}
    listed = "; ".join(
        f"{'a bcc recipient' if rcpt.lower() in hidden else rcpt}: {answer}"
        for rcpt, answer in failure.refused.items()
    )
    return f"{failure.error}: {listed}"


def _summary(job: SendJob, account: Account | None) -> dict[str, Any]:
    """Event fields from the job as queued (used when building failed)."""
    message = job.message
    return {
        "from": account.email if account else None,
        "fromName": account.display_name if account else None,
        "to": _bare(message.get("to")),
        "cc": _bare(message.get("cc")),
        "subject": message.get("subject"),
    }


def _built_summary(built: mime.Built, account: Account) -> dict[str, Any]:
    return {
        "from": account.email,
        "fromName": account.display_name,
        "to": _bare(built.to),
        "cc": _bare(built.cc),
        "subject": built.subject,
    }


def _bare(values: list[str] | None) -> list[str]:
    try:
        return checks.addr_specs(values or [])
    except ValueError:
        return list(values or [])


def workers(ctx: AppContext) -> list[Worker]:
    """The workers of this kind that one service process runs."""
    return [SenderWorker(ctx)]

"""`?wait=`: the answer once the jobs are final.

The sender worker is off here; a thread records the jobs' final states in the
database exactly where the sender does, so the waiting logic is tested alone.
The end-to-end test drives the real sender.
"""

import threading
import time

import pytest
from sqlmodel import select

from app.kit.ids import utcnow
from app.models import SendJob
from tests.inbound.conftest import SECRET, account_body, guide_webhook
from tests.support.service import api_client, settings_for

AUTH = {"X-Webhook-Secret": SECRET}
BODY = {"to": "a@example.com", "subject": "wait"}


@pytest.fixture
def quiet(home):
    """The service without background workers."""
    with api_client(settings_for(home, workers={"enabled": False})) as client:
        account = client.post("/api/accounts", json=account_body()).json()
        hook = client.post("/api/webhooks/inbound", json=guide_webhook(account["id"]))
        yield client, hook.json()


def _finish_jobs_soon(client, status, error=None):
    """In 0.3 s, mark every queued job `status`, as the sender would."""

    def finish():
        time.sleep(0.3)
        with client.app.state.ctx.transaction() as session:
            for job in session.exec(select(SendJob).where(SendJob.status == "queued")):
                job.status = status
                job.last_error = error
                job.sent_at = utcnow() if status == "sent" else None

    thread = threading.Thread(target=finish)
    thread.start()
    return thread


def test_wait_answers_200_with_message_ids_and_replays_it(quiet):
    client, hook = quiet
    thread = _finish_jobs_soon(client, "sent")
    headers = {**AUTH, "Idempotency-Key": "w-1"}

    answer = client.post(f"/webhook/{hook['id']}?wait=10", headers=headers, json=BODY)
    thread.join()

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["status"] == "sent"
    (job_result,) = result["results"]
    assert job_result["jobId"] == result["jobs"][0]
    assert job_result["messageId"].endswith("@example.com>")
    again = client.post(f"/webhook/{hook['id']}", headers=headers, json=BODY)
    assert (again.status_code, again.json()) == (200, result)
    (call,) = client.get(f"/api/webhooks/inbound/{hook['id']}/invocations").json()[
        "items"
    ]
    assert (call["statusCode"], call["outcome"]) == (200, "sent")


def test_wait_reports_the_failure(quiet):
    client, hook = quiet
    thread = _finish_jobs_soon(client, "failed", "550 mailbox unavailable")

    answer = client.post(f"/webhook/{hook['id']}?wait=10", headers=AUTH, json=BODY)
    thread.join()

    assert answer.status_code == 502
    assert answer.json()["error"] == "SendFailed"
    assert "550 mailbox unavailable" in answer.json()["detail"]
    assert answer.json()["results"][0]["status"] == "failed"


def test_wait_that_runs_out_answers_202_with_current_states(quiet):
    client, hook = quiet

    answer = client.post(f"/webhook/{hook['id']}?wait=0.5", headers=AUTH, json=BODY)

    assert answer.status_code == 202
    assert answer.json()["status"] == "queued"
    assert answer.json()["results"][0]["status"] == "queued"

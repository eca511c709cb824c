"""A webhook call that ends as an email in a real mailbox (SMTP → Dovecot)."""

import pytest

from app.sending import worker as sender
from tests.inbound.conftest import SECRET, guide_webhook
from tests.support.service import api_client, settings_for

SUBJECT = "Merci ! Réponse — 日本"


@pytest.fixture
def service(home):
    settings = settings_for(home, sender={"retry_schedule": [0, 0.2, 0.2]})
    with api_client(settings) as client:
        if not sender.workers(client.app.state.ctx):
            pytest.skip("this build has no SMTP sender worker")
        yield client


def _account(client, dovecot, smtp_server):
    user = dovecot.new_user("sender")
    smtp_server.add_user(user.email, user.password)
    login = {"security": "none", "password": user.password}
    body = {
        "name": "Support",
        "email": user.email,
        "imap": {"host": dovecot.host, "port": dovecot.imap_port, **login},
        "smtp": {"host": smtp_server.host, "port": smtp_server.port, **login},
    }
    created = client.post("/api/accounts", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def test_zapier_call_with_wait_delivers_into_the_mailbox(service, dovecot, smtp_server):
    account = _account(service, dovecot, smtp_server)
    service.post("/api/webhooks/inbound", json=guide_webhook(account["id"]))
    to = dovecot.new_user("client")

    answer = service.post(
        "/webhook/automation/send-email?wait=20",
        headers={"X-Webhook-Secret": SECRET},
        json={
            "action": "send_email",
            "to": to.email,
            "subject": SUBJECT,
            "body": "Email automatique",
        },
    )

    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    (message,) = dovecot.fetch_all(to.email, to.password)
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"] == result["messageId"]
    assert message.get_content().strip() == "Email automatique"

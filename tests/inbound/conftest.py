import pytest
from sqlmodel import select

from app.models import SendJob
from tests.support.fixtures import api, home  # noqa: F401

SECRET = "votre-secret-securise"


def account_body(email="me@example.com"):
    server = {"host": "127.0.0.1", "port": 1025, "security": "none", "password": "pw"}
    return {"name": "Work", "email": email, "imap": server, "smtp": server}


def guide_webhook(account_id, **extra):
    """The inbound configuration exactly as the user guide writes it."""
    body = {
        "type": "inbound",
        "name": "n8n-trigger",
        "path": "/automation/send-email",
        "secret": SECRET,
        "actions": [{"type": "send_email", "accountId": account_id}],
    }
    body.update(extra)
    return body


def n8n_webhook(**extra):
    """The `create_inbound_webhook` arguments of the guide's n8n scenario."""
    body = {
        "name": "n8n-automation",
        "description": "Receive commands from n8n",
        "secret": "votre-secret-identique",
        "actions": [
            {
                "type": "send_email",
                "parameters": {
                    "accountId": "{{body.accountId}}",
                    "to": "{{body.to}}",
                    "subject": "{{body.subject}}",
                    "body": "{{body.message}}",
                },
            }
        ],
    }
    body.update(extra)
    return body


def jobs_of(app, invocation_id):
    """The send jobs an invocation queued, read from the service's database."""
    with app.state.ctx.session() as session:
        query = select(SendJob).where(SendJob.invocation_id == invocation_id)
        return list(session.exec(query))


def recipients(value):
    """Recipients as a list, however the stored message writes them."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@pytest.fixture
def account(api):  # noqa: F811
    created = api.post("/api/accounts", json=account_body())
    assert created.status_code == 201, created.text
    return created.json()


@pytest.fixture
def hook(api, account):  # noqa: F811
    created = api.post("/api/webhooks/inbound", json=guide_webhook(account["id"]))
    assert created.status_code == 201, created.text
    return created.json()

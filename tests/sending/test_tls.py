"""Sending over STARTTLS and implicit TLS, and refusing an untrusted certificate."""

import pytest

from tests.sending.helpers import inbox, send, wait_final
from tests.support.certs import make_self_signed_cert
from tests.support.smtp import SmtpServer

MODES = {"starttls": "starttls", "implicit": "ssl"}


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_self_signed_cert(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture(params=sorted(MODES))
def tls_relay(request, dovecot, cert):
    with SmtpServer(dovecot, tls=request.param, cert=cert) as server:
        yield server, MODES[request.param]


def _account(mail_account, tls_relay, verify):
    server, security = tls_relay
    account = mail_account(
        smtp={"port": server.port, "security": security, "tlsVerify": verify}
    )
    server.add_user(account.user.email, account.user.password)
    return account


def test_sends_over_tls(sending, mail_account, dovecot, tls_relay):
    account = _account(mail_account, tls_relay, verify=False)
    to = dovecot.new_user("to")

    job = send(sending, account, to=to.email, subject="Über TLS")

    assert wait_final(sending, job["id"])["status"] == "sent"
    assert [m["Subject"] for m in inbox(dovecot, to)] == ["Über TLS"]


def test_untrusted_certificate_fails_without_retry(
    sending, mail_account, dovecot, tls_relay
):
    account = _account(mail_account, tls_relay, verify=True)

    final = wait_final(
        sending, send(sending, account, to="a@example.org", subject="X")["id"]
    )

    assert final["status"] == "failed"
    assert final["attempts"] == 1
    assert "certificate" in final["lastError"]
    assert "tlsVerify: false" in final["lastError"]

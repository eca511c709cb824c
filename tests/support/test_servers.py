"""The test servers themselves: each one does what product tests rely on."""

import hashlib
import hmac
import imaplib
import json
import smtplib
import ssl
import time
from email.message import EmailMessage

import httpx
import pytest

from tests.support.receiver import Reply
from tests.support.smtp import SmtpServer


def make_message(to: str, subject: str, body: str = "Hello") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "sender@example.com"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def smtp_login(server: SmtpServer, login: str, password: str) -> smtplib.SMTP:
    client = smtplib.SMTP(server.host, server.port, timeout=10)
    client.login(login, password)
    return client


@pytest.fixture
def sender(smtp_server: SmtpServer) -> tuple[str, str]:
    smtp_server.clear()
    smtp_server.add_user("sender@example.com", "sender-pw")
    return "sender@example.com", "sender-pw"


# -- Dovecot -----------------------------------------------------------------


def test_user_logs_in_over_imap_and_wrong_password_is_refused(dovecot):
    user = dovecot.new_user()
    with dovecot.imap(user.email, user.password) as client:
        assert client.select("INBOX")[0] == "OK"
    with pytest.raises(imaplib.IMAP4.error), dovecot.imap(user.email, "wrong"):
        pass


def test_lmtp_delivery_appears_in_inbox(dovecot):
    user = dovecot.new_user()
    dovecot.deliver(user.email, make_message(user.email, "Delivered").as_bytes())
    assert [m["Subject"] for m in dovecot.fetch_all(user.email, user.password)] == [
        "Delivered"
    ]


def test_append_creates_folder_and_stores_message(dovecot):
    user = dovecot.new_user()
    raw = make_message(user.email, "Filed").as_bytes()
    dovecot.append(user.email, user.password, "Archive/2024", raw)
    filed = dovecot.fetch_all(user.email, user.password, "Archive/2024")
    assert [m["Subject"] for m in filed] == ["Filed"]
    assert dovecot.fetch_all(user.email, user.password) == []


@pytest.mark.parametrize("folder", ["Données/Été 😀", "A&B", 'Quote"Back\\slash'])
def test_append_and_fetch_in_folders_with_odd_names(dovecot, folder):
    user = dovecot.new_user()
    raw = make_message(user.email, "Odd").as_bytes()
    dovecot.append(user.email, user.password, folder, raw)
    filed = dovecot.fetch_all(user.email, user.password, folder)
    assert [m["Subject"] for m in filed] == ["Odd"]


def test_users_and_password_changes_apply_without_restart(dovecot):
    address = dovecot.new_user().email.replace("@", "-renamed@")
    dovecot.add_user(address, "first")
    with dovecot.imap(address, "first"):
        pass
    dovecot.add_user(address, "second")
    with dovecot.imap(address, "second"):
        pass
    with pytest.raises(imaplib.IMAP4.error), dovecot.imap(address, "first"):
        pass


def test_stop_then_start_keeps_port_and_mail(dovecot_factory):
    server = dovecot_factory()
    user = server.new_user()
    server.deliver(user.email, make_message(user.email, "Before").as_bytes())
    port = server.imap_port
    watcher = imaplib.IMAP4(server.host, port, timeout=10)
    watcher.login(user.email, user.password)
    watcher.select("INBOX")

    server.stop()
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        watcher.noop()
    server.start()

    assert server.imap_port == port
    assert [m["Subject"] for m in server.fetch_all(user.email, user.password)] == [
        "Before"
    ]


# -- SMTP ----------------------------------------------------------------------


def test_smtp_message_lands_in_dovecot_with_utf8_subject(dovecot, smtp_server, sender):
    user = dovecot.new_user()
    subject = "Grüße aus Köln: 東京 ✓"
    with smtp_login(smtp_server, *sender) as client:
        client.send_message(make_message(user.email, subject))

    (recorded,) = smtp_server.wait_for(1)
    assert recorded.login == sender[0]
    assert recorded.mail_from == "sender@example.com"
    assert recorded.rcpt_tos == (user.email,)
    assert b"Subject:" in recorded.data
    assert [m["Subject"] for m in dovecot.fetch_all(user.email, user.password)] == [
        subject
    ]


def test_smtp_accepts_dovecot_logins_as_a_provider_would(dovecot, smtp_server):
    user = dovecot.new_user()
    smtp_login(smtp_server, user.email, user.password).quit()
    with pytest.raises(smtplib.SMTPAuthenticationError):
        smtp_login(smtp_server, user.email, "wrong").quit()


def test_smtp_refuses_wrong_password_and_anonymous_mail(smtp_server, sender):
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        smtp_login(smtp_server, sender[0], "wrong").quit()
    assert refused.value.smtp_code == 535
    with (
        smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client,
        pytest.raises(smtplib.SMTPSenderRefused) as anonymous,
    ):
        client.sendmail(sender[0], ["someone@example.org"], b"Subject: x\r\n\r\nx")
    assert anonymous.value.smtp_code == 530
    assert smtp_server.messages == []


def test_scripted_transient_rcpt_fault_then_success(smtp_server, sender):
    smtp_server.fail_next(451, stage="RCPT")
    raw = make_message("a@example.org", "Retry me").as_bytes()
    with smtp_login(smtp_server, *sender) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail(sender[0], ["a@example.org", "b@example.org"], raw)
        codes = {code for code, _ in refused.value.recipients.values()}
        assert codes == {451}
        client.sendmail(sender[0], ["a@example.org"], raw)
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [("a@example.org",)]


def test_scripted_permanent_data_fault_for_two_transactions(smtp_server, sender):
    smtp_server.fail_next(550, stage="DATA", count=2)
    raw = make_message("a@example.org", "Refused").as_bytes()
    with smtp_login(smtp_server, *sender) as client:
        for _ in range(2):
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail(sender[0], ["a@example.org"], raw)
            assert refused.value.smtp_code == 550
        client.sendmail(sender[0], ["a@example.org"], raw)
    assert len(smtp_server.wait_for(1)) == 1


def test_smtp_stop_and_start_on_same_port(dovecot):
    with SmtpServer(dovecot, {"u@example.com": "pw"}) as server:
        server.stop()
        with pytest.raises(OSError):
            smtplib.SMTP(server.host, server.port, timeout=2)
        server.start()
        smtp_login(server, "u@example.com", "pw").quit()


# -- TLS -----------------------------------------------------------------------


def test_dovecot_tls_listeners_verify_with_the_test_cert(dovecot_factory):
    server = dovecot_factory(tls=True)
    user = server.new_user()
    context = server.client_ssl_context()
    with imaplib.IMAP4_SSL(
        server.host, server.imaps_port, ssl_context=context, timeout=10
    ) as client:
        assert client.login(user.email, user.password)[0] == "OK"
    with imaplib.IMAP4(server.host, server.imap_port, timeout=10) as client:
        client.starttls(ssl_context=context)
        assert client.login(user.email, user.password)[0] == "OK"


def test_dovecot_tls_fails_verification_without_the_test_cert(dovecot_factory):
    server = dovecot_factory(tls=True)
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(
            server.host,
            server.imaps_port,
            ssl_context=ssl.create_default_context(),
            timeout=10,
        )


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_smtp_tls_modes_deliver_with_the_test_cert(dovecot_factory, mode):
    mailstore = dovecot_factory(tls=True)
    user = mailstore.new_user()
    context = mailstore.client_ssl_context()
    logins = {"sender@example.com": "pw"}
    with SmtpServer(mailstore, logins, tls=mode, cert=mailstore.cert) as server:
        if mode == "implicit":
            client = smtplib.SMTP_SSL(
                server.host, server.port, timeout=10, context=context
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=10)
            client.ehlo()
            assert not client.has_extn("auth"), "AUTH must wait for STARTTLS"
            client.starttls(context=context)
        with client:
            client.login("sender@example.com", "pw")
            client.send_message(make_message(user.email, f"Over {mode}"))
    subjects = [m["Subject"] for m in mailstore.fetch_all(user.email, user.password)]
    assert subjects == [f"Over {mode}"]


# -- HTTP receivers ------------------------------------------------------------


def test_receiver_records_exact_bytes_and_answers_the_script(receiver):
    target = receiver([500, Reply(503, {"Retry-After": "7"}), 200], default=204)
    body = b'{"b": 1,  "a":"\xc3\xa9"}\r\n\x00'
    with httpx.Client(trust_env=False) as client:
        answers = [
            client.post(target.url_for("/hook?x=1"), content=body, headers={"X-T": "1"})
            for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [500, 503, 200, 204]
    assert answers[1].headers["Retry-After"] == "7"
    recorded = target.wait_for(4)
    assert {r.body for r in recorded} == {body}
    assert recorded[0].method == "POST"
    assert recorded[0].path == "/hook?x=1"
    assert recorded[0].header("x-t") == "1"


def test_receiver_delay_makes_clients_time_out(receiver):
    target = receiver(delay=5)
    started = time.monotonic()
    with (
        httpx.Client(trust_env=False, timeout=0.3) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post(target.url, content=b"{}")
    assert time.monotonic() - started < 3
    assert len(target.wait_for(1, timeout=2)) == 1


def test_node_receiver_accepts_correct_signature_and_rejects_wrong(node_receiver):
    target = node_receiver("top-secret")
    payload = {"event": "message.received", "subject": "Grüße ✓", "size": 42}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    good = hmac.new(b"top-secret", body, hashlib.sha256).hexdigest()
    bad = hmac.new(b"other-secret", body, hashlib.sha256).hexdigest()
    with httpx.Client(trust_env=False) as client:
        statuses = [
            client.post(
                target.url_for("/hook"),
                content=body,
                headers={"X-Webhook-Signature": signature},
            ).status_code
            for signature in (good, bad)
        ]
    assert statuses == [200, 401]
    results = target.wait_for(2)
    assert [r["verified"] for r in results] == [True, False]
    assert results[1]["reason"] == "signature mismatch"


# -- PostgreSQL and Redis ------------------------------------------------------


@pytest.mark.postgres
def test_postgres_url_connects(postgres_url):
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(postgres_url, connect_timeout=5) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.redis
def test_redis_url_connects(redis_url):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        assert client.ping() is True
    finally:
        client.close()

"""Send through the API, read the email back from the recipients' mailboxes."""

import base64
import time

from tests.sending.helpers import (
    events,
    flags,
    inbox,
    raw_messages,
    send,
    wait_final,
    wait_messages,
)

SUBJECT = "Merci ! Réponse — 日本"
PAYLOAD = bytes(range(256)) * 4


def test_email_arrives_intact_with_cc_and_hidden_bcc(sending, mail_account, dovecot):
    account = mail_account()
    to, cc, bcc = (dovecot.new_user(p) for p in ("to", "cc", "bcc"))
    job = send(
        sending,
        account,
        to=f"Zoé Dupont <{to.email}>",
        cc=[cc.email],
        bcc=bcc.email,
        subject=SUBJECT,
        body="Bonjour Zoé — voici le relevé.",
        html="<p>Bonjour <b>Zoé</b> — 日本</p>",
        attachments=[
            {
                "filename": "relevé.bin",
                "contentType": "application/octet-stream",
                "content": base64.b64encode(PAYLOAD).decode(),
            }
        ],
        headers={"X-Campaign": "printemps"},
    )

    final = wait_final(sending, job["id"])

    assert final["status"] == "sent"
    assert final["attempts"] == 1
    assert final["smtpResponse"].startswith("250")
    [message] = inbox(dovecot, to)
    assert message["Subject"] == SUBJECT
    assert message["From"].addresses[0].display_name == "Équipe Support"
    assert message["From"].addresses[0].addr_spec == account.user.email
    assert message["To"].addresses[0].display_name == "Zoé Dupont"
    assert message["Message-ID"] == job["messageId"] == final["messageId"]
    assert message["X-Campaign"] == "printemps"
    assert message["Bcc"] is None
    assert bcc.email not in str(message)
    text = message.get_body(("plain",)).get_content()
    assert text.rstrip("\r\n") == "Bonjour Zoé — voici le relevé."
    assert "<b>Zoé</b> — 日本" in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "relevé.bin"
    assert attachment.get_content() == PAYLOAD
    [cc_copy] = inbox(dovecot, cc)
    [bcc_copy] = inbox(dovecot, bcc)
    assert cc_copy["Message-ID"] == bcc_copy["Message-ID"] == job["messageId"]
    assert bcc_copy["Bcc"] is None
    assert bcc.email not in str(cc_copy)


def test_sent_event_records_the_message_without_bcc(sending, mail_account, dovecot):
    account = mail_account()
    to, bcc = dovecot.new_user("to"), dovecot.new_user("bcc")
    job = send(sending, account, to=to.email, bcc=bcc.email, subject=SUBJECT)

    wait_final(sending, job["id"])

    [event] = events(sending, "email.sent")
    assert event["messageId"] == job["messageId"]
    assert event["jobId"] == job["id"]
    assert event["accountId"] == account.id
    assert event["from"] == account.user.email
    assert event["to"] == [to.email]
    assert event["cc"] == []
    assert event["subject"] == SUBJECT
    assert event["smtpResponse"].startswith("250")
    assert event["sentAt"].endswith("Z")
    assert bcc.email not in str(event)


def test_reply_address_and_plain_text_only(sending, mail_account, dovecot):
    account = mail_account()
    to = dovecot.new_user("to")
    job = send(
        sending,
        account,
        to=[to.email],
        replyTo="Helpdesk <help@example.com>",
        subject="Plain",
        body="Just text",
    )

    assert wait_final(sending, job["id"])["status"] == "sent"
    [message] = inbox(dovecot, to)
    assert message["Reply-To"].addresses[0].addr_spec == "help@example.com"
    assert message.get_content_type() == "text/plain"


def test_sent_folder_gets_the_exact_bytes_seen(
    sending, mail_account, dovecot, smtp_server
):
    account = mail_account(sentFolder="Sent")
    dovecot.append(account.user.email, account.user.password, "Sent", _note())
    to = dovecot.new_user("to")
    job = send(sending, account, to=to.email, subject=SUBJECT, body="Copy me")

    final = wait_final(sending, job["id"])

    assert final["status"] == "sent"
    # The copy is stored just after the job is marked sent.
    copies = wait_messages(dovecot, account.user, "Sent", 2)
    [smtp_data] = [m.data for m in smtp_server.messages if to.email in m.rcpt_tos]
    assert copies[-1]["Message-ID"] == job["messageId"]
    assert copies[-1]["Subject"] == SUBJECT
    assert raw_messages(dovecot, account.user, "Sent")[-1] == smtp_data
    assert b"\\Seen" in flags(dovecot, account.user, "Sent")[-1]
    assert final["note"] is None


def test_missing_sent_folder_leaves_a_note_not_a_failure(
    sending, mail_account, dovecot
):
    account = mail_account(sentFolder="No Such Folder")
    to = dovecot.new_user("to")
    job = send(sending, account, to=to.email, subject="Hello")

    final = _wait_note(sending, job["id"])

    assert final["status"] == "sent"
    assert "No Such Folder" in final["note"]
    assert len(inbox(dovecot, to)) == 1
    assert events(sending, "email.send_failed") == []


def _wait_note(client, job_id):
    # The note is written just after the job is marked sent.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        job = wait_final(client, job_id)
        if job["note"]:
            return job
        time.sleep(0.05)
    return job


def _note() -> bytes:
    return b"From: a@example.com\r\nSubject: earlier\r\n\r\nAn earlier message.\r\n"

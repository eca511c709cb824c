"""Replies: the original is found over IMAP (never marked seen) and threaded."""

from email.message import EmailMessage

from tests.sending.helpers import events, flags, inbox, send, wait_final


def _original(frm: str, to: str, message_id: str, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = frm
    message["To"] = to
    message["Subject"] = headers.pop("subject", "Question about the invoice")
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Could you send it again?")
    return bytes(message)


def test_reply_by_message_id_threads_and_answers_the_sender(
    sending, mail_account, dovecot
):
    account = mail_account()
    bob = dovecot.new_user("bob")
    dovecot.deliver(
        account.user.email,
        _original(
            f"Bob <{bob.email}>",
            account.user.email,
            "<orig-1@example.org>",
            References="<start@example.org>",
        ),
    )
    job = send(
        sending,
        account,
        inReplyTo={"messageId": "<orig-1@example.org>"},
        body="Here it is.",
    )

    final = wait_final(sending, job["id"])

    assert final["status"] == "sent", final["lastError"]
    [reply] = inbox(dovecot, bob)
    assert reply["Subject"] == "Re: Question about the invoice"
    assert reply["In-Reply-To"] == "<orig-1@example.org>"
    assert reply["References"] == "<start@example.org> <orig-1@example.org>"
    assert reply["To"].addresses[0].addr_spec == bob.email
    assert reply["Message-ID"] == job["messageId"]
    assert b"\\Seen" not in flags(dovecot, account.user, "INBOX")[0]
    [event] = events(sending, "email.sent")
    assert event["subject"] == "Re: Question about the invoice"
    assert event["to"] == [bob.email]


def test_reply_by_uid_goes_to_reply_to_and_keeps_a_re_subject(
    sending, mail_account, dovecot
):
    account = mail_account()
    bob, desk = dovecot.new_user("bob"), dovecot.new_user("desk")
    dovecot.deliver(
        account.user.email,
        _original(
            bob.email,
            account.user.email,
            "<orig-2@example.org>",
            subject="RE: Order 42",
            Reply_To=f"Desk <{desk.email}>",
        ),
    )

    job = send(sending, account, inReplyTo={"folder": "INBOX", "uid": 1}, body="Done.")

    assert wait_final(sending, job["id"])["status"] == "sent"
    [reply] = inbox(dovecot, desk)
    assert reply["Subject"] == "RE: Order 42"
    assert reply["In-Reply-To"] == "<orig-2@example.org>"
    assert reply["References"] == "<orig-2@example.org>"
    assert inbox(dovecot, bob) == []
    assert b"\\Seen" not in flags(dovecot, account.user, "INBOX")[0]


def test_reply_with_its_own_recipient_and_subject(sending, mail_account, dovecot):
    account = mail_account()
    bob, carol = dovecot.new_user("bob"), dovecot.new_user("carol")
    dovecot.deliver(
        account.user.email,
        _original(bob.email, account.user.email, "<orig-3@example.org>"),
    )

    job = send(
        sending,
        account,
        to=carol.email,
        subject="Forwarded question",
        inReplyTo={"messageId": "orig-3@example.org"},
        body="FYI",
    )

    assert wait_final(sending, job["id"])["status"] == "sent"
    [reply] = inbox(dovecot, carol)
    assert reply["Subject"] == "Re: Forwarded question"
    assert reply["In-Reply-To"] == "<orig-3@example.org>"


def test_reply_to_an_unknown_message_fails_without_retry(
    sending, mail_account, dovecot
):
    account = mail_account()

    job = send(
        sending,
        account,
        inReplyTo={"messageId": "<missing@example.org>"},
        body="Hello?",
    )

    final = wait_final(sending, job["id"])
    assert final["status"] == "failed"
    assert final["attempts"] == 1
    assert "no message with Message-ID <missing@example.org>" in final["lastError"]
    [event] = events(sending, "email.send_failed")
    assert event["error"] == final["lastError"]


def test_reply_by_uid_in_a_missing_folder_fails(sending, mail_account):
    account = mail_account()

    job = send(
        sending, account, inReplyTo={"folder": "Archive/2020", "uid": 7}, body="x"
    )

    final = wait_final(sending, job["id"])
    assert final["status"] == "failed"
    assert "Archive/2020" in final["lastError"]

import threading

from app.mail import account_watch
from tests.mail.helpers import (
    IMAP_TIMINGS,
    create_account,
    events,
    message,
    received,
    status,
    wait_for,
    wait_received,
    wait_watching,
)
from tests.support.service import api_client, settings_for


def watching_settings(home, **imap):
    return settings_for(home, imap=IMAP_TIMINGS | imap)


def test_delivered_mail_becomes_one_email_received_event(home, dovecot):
    user = dovecot.new_user()
    with api_client(watching_settings(home)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user)
        wait_watching(api, account_id)

        raw = message("Quarterly report", user.email, body="Numbers inside.\n")
        dovecot.deliver(user.email, raw)
        data = wait_received(ctx, account_id, "Quarterly report")

    assert data["accountId"] == account_id
    assert data["folder"] == "INBOX"
    assert isinstance(data["uid"], int) and data["uid"] >= 1
    assert data["from"] == "alice@example.org"
    assert data["fromName"] == "Alice Martin"
    assert data["to"] == [user.email]
    assert data["date"] == "2026-12-04T15:00:00Z"
    assert data["text"].strip() == "Numbers inside."
    assert data["messageId"].endswith("@example.org>")
    assert data["attachments"] == []


def test_mail_present_before_the_first_watch_is_not_announced(home, dovecot):
    user = dovecot.new_user()
    dovecot.deliver(user.email, message("Old news", user.email))
    with api_client(watching_settings(home)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user)
        wait_watching(api, account_id)
        dovecot.deliver(user.email, message("Fresh", user.email))
        wait_received(ctx, account_id, "Fresh")

        assert received(ctx, account_id, "Old news") == []
        assert len(events(ctx, "email.received", account_id)) == 1


def test_receiving_does_not_mark_mail_seen(home, dovecot):
    user = dovecot.new_user()
    with api_client(watching_settings(home)) as api:
        account_id = create_account(api, dovecot, user)
        wait_watching(api, account_id)
        dovecot.deliver(user.email, message("Unread", user.email))
        uid = wait_received(api.app.state.ctx, account_id, "Unread")["uid"]

    with dovecot.imap(user.email, user.password) as client:
        client.select("INBOX", readonly=True)
        _, data = client.uid("FETCH", str(uid), "(FLAGS)")
    assert b"\\Seen" not in data[0]


def test_restart_announces_mail_from_the_downtime_once(home, dovecot):
    user = dovecot.new_user()
    settings = watching_settings(home)
    with api_client(settings) as api:
        account_id = create_account(api, dovecot, user)
        wait_watching(api, account_id)
        dovecot.deliver(user.email, message("Before restart", user.email))
        wait_received(api.app.state.ctx, account_id, "Before restart")

    dovecot.deliver(user.email, message("During downtime", user.email))
    with api_client(settings) as api:
        ctx = api.app.state.ctx
        wait_received(ctx, account_id, "During downtime")
        dovecot.deliver(user.email, message("After restart", user.email))
        wait_received(ctx, account_id, "After restart")

        subjects = [e.data["subject"] for e in events(ctx, "email.received")]
    assert subjects == ["Before restart", "During downtime", "After restart"]


def test_uidvalidity_change_rebaselines_without_a_flood(home, dovecot):
    user = dovecot.new_user()
    dovecot.append(user.email, user.password, "Lists", message("first", user.email))
    settings = watching_settings(home)
    with api_client(settings) as api:
        account_id = create_account(api, dovecot, user, folders=["Lists"])
        before = wait_watching(api, account_id, ("Lists",))["folders"][0]

    with dovecot.imap(user.email, user.password) as client:
        assert client.delete("Lists")[0] == "OK"
    for n in range(3):
        raw = message(f"refill {n}", user.email)
        dovecot.append(user.email, user.password, "Lists", raw)

    with api_client(settings) as api:
        ctx = api.app.state.ctx
        after = wait_for(
            "the new UIDVALIDITY",
            lambda: [
                f
                for f in status(api, account_id)["folders"]
                if f["uidValidity"] != before["uidValidity"]
            ],
        )[0]
        dovecot.append(user.email, user.password, "Lists", message("new", user.email))
        wait_received(ctx, account_id, "new")

        subjects = [e.data["subject"] for e in events(ctx, "email.received")]
    assert after["lastUid"] == 3
    assert subjects == ["new"]


def test_wrong_password_is_one_authentication_error(home, dovecot):
    user = dovecot.new_user()
    with api_client(watching_settings(home)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user, password="wrong-password")
        current = wait_for(
            "the error state",
            lambda: status(api, account_id)["error"] and status(api, account_id),
        )
        # Let it retry several times (backoff is capped at 0.5 s here).
        wait_for(
            "a few more failed logins",
            lambda: dovecot.log_text().count(user.email) >= 4,
        )
        errors = events(ctx, "account.error", account_id)

    assert current["state"] == "error"
    assert current["error"]["kind"] == "authentication"
    assert current["lastErrorAt"] is not None
    assert current["connected"] is False
    assert len(errors) == 1
    assert errors[0].data["kind"] == "authentication"
    assert errors[0].data["accountId"] == account_id
    assert errors[0].data["since"].endswith("Z")
    assert "wrong-password" not in str(errors[0].data)


def test_fixing_the_password_clears_the_error(home, dovecot):
    user = dovecot.new_user()
    with api_client(watching_settings(home)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user, password="wrong-password")
        wait_for("the error state", lambda: status(api, account_id)["error"])

        fixed = api.patch(
            f"/api/accounts/{account_id}", json={"imap": {"password": user.password}}
        )
        assert fixed.status_code == 200
        current = wait_watching(api, account_id)

        assert current["error"] is None
        assert current["state"] == "ok"
        assert current["lastError"] is not None
        assert len(events(ctx, "account.error", account_id)) == 1


def test_server_outage_is_one_error_and_no_lost_mail(home, dovecot_factory):
    server = dovecot_factory()
    user = server.new_user()
    with api_client(watching_settings(home)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, server, user)
        wait_watching(api, account_id)

        server.stop()
        wait_for("the error state", lambda: status(api, account_id)["error"])
        drop_into_maildir(server, user.email, message("While down", user.email))
        wait_for(
            "a few failed reconnections",
            lambda: (
                status(api, account_id)["lastErrorAt"]
                != status(api, account_id)["error"]["since"]
            ),
        )
        server.start()
        wait_received(ctx, account_id, "While down")
        current = wait_for(
            "the recovery",
            lambda: (s := status(api, account_id))["error"] is None and s,
        )
        errors = events(ctx, "account.error", account_id)

    assert current["connected"] is True
    assert [e.data["kind"] for e in errors] == ["connection"]
    assert len(received(ctx, account_id, "While down")) == 1


def drop_into_maildir(server, address: str, raw: bytes) -> None:
    """Deliver as a local MDA does while IMAP is down: a file in Maildir/new."""
    new = server.mail_dir / address / "new"
    new.mkdir(parents=True, exist_ok=True)
    path = new / "1700000000.M1P1.test"
    path.write_bytes(raw.replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n"))
    path.chmod(0o666)


def test_disabled_account_is_not_watched(home, dovecot):
    user = dovecot.new_user()
    with api_client(watching_settings(home)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user)
        wait_watching(api, account_id)

        api.patch(f"/api/accounts/{account_id}", json={"enabled": False})
        current = wait_for(
            "the watch to stop",
            lambda: (
                (s := status(api, account_id))["state"] == "disabled"
                and not s["watching"]
                and s
            ),
        )
        dovecot.deliver(user.email, message("Nobody listens", user.email))
        api.patch(f"/api/accounts/{account_id}", json={"enabled": True})
        wait_watching(api, account_id)
        dovecot.deliver(user.email, message("Listening again", user.email))
        wait_received(ctx, account_id, "Listening again")

        assert current["connected"] is False
        # Mail that came while disabled is announced when watching resumes:
        # the folder position was kept.
        assert len(received(ctx, account_id, "Nobody listens")) == 1


def test_watch_uses_idle_when_the_server_has_it(home, dovecot):
    user = dovecot.new_user()
    with api_client(watching_settings(home, poll_interval_seconds=600)) as api:
        account_id = create_account(api, dovecot, user)
        wait_for("IDLE", lambda: status(api, account_id)["idle"])
        dovecot.deliver(user.email, message("Pushed", user.email))

        # With a 10-minute poll interval only IDLE can bring this in.
        wait_received(api.app.state.ctx, account_id, "Pushed")


def test_polling_when_idle_is_not_used(home, dovecot):
    user = dovecot.new_user()
    with api_client(watching_settings(home, use_idle=False)) as api:
        account_id = create_account(api, dovecot, user)
        wait_watching(api, account_id)
        dovecot.deliver(user.email, message("Polled", user.email))
        data = wait_received(api.app.state.ctx, account_id, "Polled")

        assert status(api, account_id)["idle"] is False
    assert data["folder"] == "INBOX"


def test_every_watched_folder_is_announced(home, dovecot):
    user = dovecot.new_user()
    dovecot.append(user.email, user.password, "Work", message("old work", user.email))
    with api_client(watching_settings(home)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user, folders=["INBOX", "Work"])
        wait_watching(api, account_id, ("INBOX", "Work"))

        dovecot.append(user.email, user.password, "Work", message("w", user.email))
        dovecot.deliver(user.email, message("i", user.email))
        work = wait_received(ctx, account_id, "w")
        inbox = wait_received(ctx, account_id, "i")

        assert received(ctx, account_id, "old work") == []
    assert (work["folder"], inbox["folder"]) == ("Work", "INBOX")


def test_a_missing_folder_is_one_protocol_error(home, dovecot):
    user = dovecot.new_user()
    with api_client(watching_settings(home)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user, folders=["INBOX", "Nope"])
        current = wait_for("the error state", lambda: status(api, account_id)["error"])
        wait_for(
            "another attempt",
            lambda: status(api, account_id)["lastErrorAt"] != current["since"],
        )

        errors = events(ctx, "account.error", account_id)
    assert current["kind"] == "protocol"
    assert "'Nope'" in current["detail"]
    assert len(errors) == 1


def test_deleting_a_watched_account_stops_its_watch(home, dovecot):
    user = dovecot.new_user()
    with api_client(watching_settings(home)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user)
        wait_watching(api, account_id)

        assert api.delete(f"/api/accounts/{account_id}").status_code == 204
        ctx.wake("watcher")
        wait_for(
            "the watch thread to end",
            lambda: (
                not any(
                    t.name == f"mm-watch-{account_id}" for t in threading.enumerate()
                )
            ),
        )
        dovecot.deliver(user.email, message("Too late", user.email))

        assert events(ctx, "email.received", account_id) == []
        assert events(ctx, "account.error", account_id) == []


def test_a_backlog_is_fetched_in_passes_without_waiting(home, dovecot, monkeypatch):
    monkeypatch.setattr(account_watch, "MAX_MESSAGES_PER_PASS", 2)
    user = dovecot.new_user()
    settings = watching_settings(home, poll_interval_seconds=600)
    with api_client(settings) as api:
        account_id = create_account(api, dovecot, user)
        wait_watching(api, account_id)
    for n in range(5):
        dovecot.deliver(user.email, message(f"backlog {n}", user.email))

    with api_client(settings) as api:
        ctx = api.app.state.ctx
        wait_received(ctx, account_id, "backlog 4")

        subjects = [e.data["subject"] for e in events(ctx, "email.received")]
    assert subjects == [f"backlog {n}" for n in range(5)]

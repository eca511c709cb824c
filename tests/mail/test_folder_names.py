"""Folder names that need quoting, escaping or modified UTF-7 on the IMAP wire."""

import pytest

from tests.mail.helpers import (
    IMAP_TIMINGS,
    create_account,
    message,
    wait_received,
    wait_watching,
)
from tests.support.service import api_client, settings_for

ODD_FOLDERS = ["Back\\slash", 'Quote"Folder', "Données/Été 😀", "A&B"]


@pytest.fixture
def odd_mailbox(api, dovecot):
    """A user with one message in each odd folder (subject: "In <folder>")."""
    user = dovecot.new_user()
    dovecot.deliver(user.email, message("In INBOX", user.email))
    for folder in ODD_FOLDERS:
        raw = message(f"In {folder}", user.email)
        dovecot.append(user.email, user.password, folder, raw)
    return user, create_account(api, dovecot, user, enabled=False)


def test_every_folder_is_listed_with_its_exact_name_and_counts(api, odd_mailbox):
    _, account_id = odd_mailbox

    response = api.get(f"/api/accounts/{account_id}/folders")

    assert response.status_code == 200, response.text
    folders = {f["name"]: f for f in response.json()["items"]}
    for name in ODD_FOLDERS:
        assert folders[name]["messages"] == 1, name
        assert folders[name]["unseen"] == 1, name
        assert folders[name]["delimiter"] == "/"
    assert folders["Données"]["messages"] is None  # only a parent: \Noselect
    assert folders["INBOX"]["messages"] == 1


@pytest.mark.parametrize("folder", ODD_FOLDERS)
def test_messages_in_odd_folders_can_be_listed_and_read(api, odd_mailbox, folder):
    _, account_id = odd_mailbox
    url = f"/api/accounts/{account_id}/messages"

    listed = api.get(url, params={"folder": folder})
    searched = api.post(f"{url}/search", json={"folder": folder, "subject": "In"})
    read = api.get(f"{url}/1", params={"folder": folder})

    assert listed.status_code == 200, listed.text
    assert [m["subject"] for m in listed.json()["items"]] == [f"In {folder}"]
    assert listed.json()["items"][0]["folder"] == folder
    assert [m["subject"] for m in searched.json()["items"]] == [f"In {folder}"]
    assert read.status_code == 200, read.text
    assert read.json()["subject"] == f"In {folder}"
    assert read.json()["folder"] == folder


@pytest.mark.parametrize(
    "folder", ["INBOX\r\nX1 CREATE P", "INBOX\nX1 CREATE P", "IN\x00BOX", "INBOX\r"]
)
@pytest.mark.parametrize("path", ["/messages", "/messages/1"])
def test_line_breaks_in_a_folder_name_are_refused(api, odd_mailbox, folder, path):
    _, account_id = odd_mailbox

    response = api.get(f"/api/accounts/{account_id}{path}", params={"folder": folder})

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationFailed"
    assert "line breaks" in response.json()["detail"]


def test_line_breaks_in_a_search_body_folder_are_refused(api, odd_mailbox):
    _, account_id = odd_mailbox

    response = api.post(
        f"/api/accounts/{account_id}/messages/search",
        json={"folder": "INBOX\r\nX1 CREATE P"},
    )

    assert response.status_code == 422, response.text
    assert "line breaks" in response.json()["detail"]
    folders = api.get(f"/api/accounts/{account_id}/folders").json()["items"]
    assert "P" not in [f["name"] for f in folders]


@pytest.mark.parametrize("folder", ["*", "%", "Quote*", "%/%"])
@pytest.mark.parametrize("path", ["/messages", "/messages/1"])
def test_wildcards_are_not_folder_names(api, odd_mailbox, folder, path):
    _, account_id = odd_mailbox

    response = api.get(f"/api/accounts/{account_id}{path}", params={"folder": folder})

    assert response.status_code == 404, response.text
    assert response.json()["error"] == "NotFound"
    assert f"no folder '{folder}'" in response.json()["detail"]


def test_a_folder_whose_name_is_a_wildcard_is_still_readable(api, dovecot):
    user = dovecot.new_user()
    dovecot.append(user.email, user.password, "a*b", message("Star", user.email))
    account_id = create_account(api, dovecot, user, enabled=False)

    response = api.get(f"/api/accounts/{account_id}/messages", params={"folder": "a*b"})
    missing = api.get(f"/api/accounts/{account_id}/messages", params={"folder": "a*"})

    assert [m["subject"] for m in response.json()["items"]] == ["Star"]
    assert missing.status_code == 404


def test_the_watcher_announces_mail_in_odd_folders(home, dovecot):
    user = dovecot.new_user()
    for folder in ODD_FOLDERS:
        dovecot.append(user.email, user.password, folder, message("Old", user.email))
    folders = ["INBOX", *ODD_FOLDERS]
    with api_client(settings_for(home, imap=IMAP_TIMINGS)) as api:
        ctx = api.app.state.ctx
        account_id = create_account(api, dovecot, user, folders=folders)
        current = wait_watching(api, account_id, tuple(folders))
        assert current["error"] is None
        for folder in ODD_FOLDERS:
            raw = message(f"New in {folder}", user.email)
            dovecot.append(user.email, user.password, folder, raw)
        for folder in ODD_FOLDERS:
            data = wait_received(ctx, account_id, f"New in {folder}")
            assert data["folder"] == folder
            assert data["uid"] == 2

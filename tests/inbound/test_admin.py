import pytest

from tests.inbound.conftest import SECRET, account_body, guide_webhook, n8n_webhook
from tests.support.service import api_client, settings_for

BASE = "/api/webhooks/inbound"


def test_guide_config_is_accepted_and_normalised(api, account):
    created = api.post(BASE, json=guide_webhook(account["id"]))

    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["path"] == "automation/send-email"
    assert hook["secret"] == SECRET
    assert hook["url"] == f"http://localhost:3100/webhook/{hook['id']}"
    assert hook["pathUrl"] == "http://localhost:3100/webhook/automation/send-email"
    assert hook["authMode"] == "secret"
    assert hook["actions"] == [
        {"type": "send_email", "accountId": account["id"], "parameters": {}}
    ]


def test_n8n_arguments_are_accepted_and_secret_generated_when_absent(api):
    args = n8n_webhook()
    del args["secret"]
    created = api.post(BASE, json=args)

    assert created.status_code == 201, created.text
    assert len(created.json()["secret"]) == 64
    assert created.json()["actions"][0]["parameters"]["to"] == "{{body.to}}"


def test_secret_appears_only_on_creation_reveal_and_rotation(api, account):
    hook = api.post(BASE, json=guide_webhook(account["id"])).json()
    hid = hook["id"]
    api.post(f"/webhook/{hid}", headers={"X-Webhook-Secret": SECRET}, json={})

    answers = [
        api.get(BASE),
        api.get(f"{BASE}/{hid}"),
        api.patch(f"{BASE}/{hid}", json={"name": "renamed", "secret": "x" * 20}),
        api.get(f"{BASE}/{hid}/invocations"),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert SECRET not in answer.text
        assert "x" * 20 not in answer.text
        assert '"secret":' not in answer.text

    revealed = api.post(f"{BASE}/{hid}/reveal-secret")
    assert revealed.json() == {"webhookId": hid, "secret": "x" * 20}
    rotated = api.post(f"{BASE}/{hid}/rotate-secret", json={})
    assert rotated.status_code == 200
    assert len(rotated.json()["secret"]) == 64
    assert api.post(f"{BASE}/{hid}/reveal-secret").json() == rotated.json()


def test_crud_and_pagination(api, account):
    ids = [
        api.post(BASE, json=guide_webhook(account["id"], path=f"p{i}")).json()["id"]
        for i in range(3)
    ]
    first = api.get(BASE, params={"limit": 2}).json()
    second = api.get(BASE, params={"limit": 2, "cursor": first["nextCursor"]}).json()
    assert [h["id"] for h in first["items"] + second["items"]] == ids[::-1]

    patched = api.patch(f"{BASE}/{ids[0]}", json={"path": None, "enabled": False})
    assert patched.json()["path"] is None
    assert patched.json()["pathUrl"] is None
    assert patched.json()["enabled"] is False

    assert api.delete(f"{BASE}/{ids[0]}").status_code == 204
    missing = api.get(f"{BASE}/{ids[0]}")
    assert missing.status_code == 404
    assert missing.json()["error"] == "NotFound"


@pytest.mark.parametrize(
    "path",
    ["../etc", "a//b", "a b", "é", "a/./b", "-x", "inb_abc123", "a?b", "a%2Fb", "/"],
)
def test_unsafe_or_clashing_paths_are_refused_with_a_reason(api, account, path):
    answer = api.post(BASE, json=guide_webhook(account["id"], path=path))

    assert answer.status_code == 422
    assert "path" in answer.json()["detail"]


def test_a_path_used_by_another_webhook_is_a_conflict(api, account):
    api.post(BASE, json=guide_webhook(account["id"]))
    again = api.post(
        BASE, json=guide_webhook(account["id"], path="automation/send-email/")
    )

    assert again.status_code == 409
    assert "automation/send-email" in again.json()["detail"]


def test_actions_are_checked_at_creation(api, account):
    bad = guide_webhook(
        "acc_doesnotexist",
        actions=[
            {"type": "send_email", "accountId": "acc_doesnotexist"},
            {
                "type": "send_email",
                "accountId": "{{body.accountId}}",
                "parameters": {"subject": "{{env.HOME}}", "colour": "red"},
            },
            {"type": "send_email", "parameters": {"to": "{{body.to"}},
        ],
    )
    answer = api.post(BASE, json=bad)

    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "actions[0].accountId: no account with id 'acc_doesnotexist'" in detail
    assert "actions[1].parameters.colour is not a parameter" in detail
    assert "actions[1].subject" in detail and "env" in detail
    assert "actions[2].to" in detail and "malformed" in detail


def test_unknown_action_type_is_refused(api, account):
    answer = api.post(
        BASE, json=guide_webhook(account["id"], actions=[{"type": "delete_everything"}])
    )
    assert answer.status_code == 422
    assert "send_email" in answer.json()["detail"]


def test_urls_follow_base_url_and_ids_do_not_change(home):
    with api_client(settings_for(home)) as api:
        acc = api.post("/api/accounts", json=account_body()).json()
        hook = api.post(BASE, json=guide_webhook(acc["id"])).json()
    moved = settings_for(home, webhooks={"baseUrl": "https://abc123.ngrok.io/"})
    with api_client(moved) as api:
        again = api.get(f"{BASE}/{hook['id']}").json()

    assert again["id"] == hook["id"]
    assert again["url"] == f"https://abc123.ngrok.io/webhook/{hook['id']}"
    assert again["pathUrl"] == "https://abc123.ngrok.io/webhook/automation/send-email"


def test_admin_routes_need_the_token(api, hook):
    answer = api.get(BASE, headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 401


def test_patch_moves_the_path_and_refuses_a_taken_one(api, account):
    first = api.post(BASE, json=guide_webhook(account["id"], path="a/one")).json()
    second = api.post(BASE, json=guide_webhook(account["id"], path="b/two")).json()

    taken = api.patch(f"{BASE}/{second['id']}", json={"path": "/a/one"})
    moved = api.patch(f"{BASE}/{second['id']}", json={"path": "/c/three/"})
    served = api.post(
        "/webhook/c/three",
        headers={"X-Webhook-Secret": SECRET},
        json={"to": "a@example.com", "subject": "moved"},
    )

    assert taken.status_code == 409
    assert "a/one" in taken.json()["detail"]
    assert moved.json()["path"] == "c/three"
    assert served.status_code == 202
    assert api.get(f"{BASE}/{first['id']}").json()["path"] == "a/one"

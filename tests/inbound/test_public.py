import hashlib
import hmac
import json

from tests.inbound.conftest import (
    SECRET,
    account_body,
    guide_webhook,
    jobs_of,
    n8n_webhook,
    recipients,
)

AUTH = {"X-Webhook-Secret": SECRET}
SUBJECT = "Merci ! Réponse — 日本"


def _create(api, body):
    created = api.post("/api/webhooks/inbound", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def test_zapier_body_queues_one_job_with_that_message(api, hook):
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers=AUTH,
        json={
            "action": "send_email",
            "to": "client@example.com",
            "subject": SUBJECT,
            "body": "Email automatique",
        },
    )

    assert answer.status_code == 202, answer.text
    result = answer.json()
    assert result["status"] == "queued"
    jobs = jobs_of(api.app, result["invocationId"])
    assert [job.id for job in jobs] == result["jobs"]
    assert jobs[0].account_id == hook["actions"][0]["accountId"]
    assert jobs[0].message["subject"] == SUBJECT
    assert recipients(jobs[0].message["to"]) == ["client@example.com"]
    assert jobs[0].message["body"] == "Email automatique"


def test_n8n_templated_webhook_renders_body_fields(api, account):
    hook = _create(api, n8n_webhook())
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={"X-Webhook-Secret": "votre-secret-identique"},
        json={
            "accountId": account["id"],
            "to": ["a@example.com", "b@example.com"],
            "subject": SUBJECT,
            "message": "Bonjour {{body.secret}}",
        },
    )

    assert answer.status_code == 202, answer.text
    (job,) = jobs_of(api.app, answer.json()["invocationId"])
    assert job.message["to"] == ["a@example.com", "b@example.com"]
    assert job.message["subject"] == SUBJECT
    assert job.message["body"] == "Bonjour {{body.secret}}"


def test_n8n_http_request_body_works_with_the_n8n_webhook(api, account):
    # The guide's n8n node sends neither accountId nor message: the only
    # account is used and the absent optional body is simply left out.
    hook = _create(api, n8n_webhook())
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={"X-Webhook-Secret": "votre-secret-identique"},
        json={"action": "send_email", "to": "dest@example.com", "subject": "Test"},
    )

    assert answer.status_code == 202, answer.text
    (job,) = jobs_of(api.app, answer.json()["invocationId"])
    assert job.account_id == account["id"]
    assert recipients(job.message["to"]) == ["dest@example.com"]
    assert job.message["subject"] == "Test"
    assert job.message.get("body") is None


def test_a_text_template_with_an_unfilled_placeholder_is_named(api, account):
    hook = _create(
        api,
        n8n_webhook(
            actions=[
                {
                    "type": "send_email",
                    "parameters": {
                        "to": "{{body.email}}",
                        "subject": "Order {{body.order}}",
                        "body": "Hello {{body.customer}}, ships {{body.date}}.",
                    },
                }
            ]
        ),
    )
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={"X-Webhook-Secret": "votre-secret-identique"},
        json={"email": "dest@example.com", "order": "A-42", "customer": "Zoé"},
    )

    assert answer.status_code == 422
    assert "body (no value for {{body.date}})" in answer.json()["detail"]


def test_with_several_accounts_a_missing_account_id_is_named(api, account):
    api.post("/api/accounts", json=account_body("other@example.com"))
    hook = _create(api, n8n_webhook())
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={"X-Webhook-Secret": "votre-secret-identique"},
        json={"to": "dest@example.com", "subject": "Test"},
    )

    assert answer.status_code == 422
    assert "accountId (no value for {{body.accountId}})" in answer.json()["detail"]


def test_guide_curl_test_body_names_every_missing_field(api, hook):
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={**AUTH, "Content-Type": "application/json"},
        content=b'{"test": "data"}',
    )

    assert answer.status_code == 422
    assert answer.json()["error"] == "ValidationFailed"
    detail = answer.json()["detail"]
    assert "to" in detail.split("missing fields: ")[1].split(";")[0].split(", ")
    assert "subject" in detail
    assert jobs_of(api.app, None) == []


def test_templated_missing_fields_name_field_and_placeholder(api, account):
    hook = _create(api, n8n_webhook())
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={"X-Webhook-Secret": "votre-secret-identique"},
        json={"accountId": account["id"], "message": "hi"},
    )

    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "to (no value for {{body.to}})" in detail
    assert "subject (no value for {{body.subject}})" in detail


def test_wrong_or_missing_secret_is_401_and_recorded(api, hook):
    wrong = api.post(
        f"/webhook/{hook['id']}", headers={"X-Webhook-Secret": "nope"}, json={}
    )
    missing = api.post(f"/webhook/{hook['id']}", json={})

    assert wrong.status_code == 401
    assert missing.status_code == 401
    assert wrong.json()["error"] == "Unauthorized"
    calls = api.get(f"/api/webhooks/inbound/{hook['id']}/invocations").json()
    assert [c["statusCode"] for c in calls["items"]] == [401, 401]
    assert all(c["outcome"] == "rejected" for c in calls["items"])


def test_unknown_and_disabled_webhooks_are_404(api, hook):
    assert api.post("/webhook/inb_nothere", headers=AUTH, json={}).status_code == 404
    api.patch(f"/api/webhooks/inbound/{hook['id']}", json={"enabled": False})
    answer = api.post(f"/webhook/{hook['id']}", headers=AUTH, json={})
    assert answer.status_code == 404
    assert answer.json()["error"] == "NotFound"


def test_malformed_json_is_400_and_other_types_415(api, hook):
    url = f"/webhook/{hook['id']}"
    bad = api.post(
        url, headers={**AUTH, "Content-Type": "application/json"}, content=b'{"to":'
    )
    text = api.post(
        url, headers={**AUTH, "Content-Type": "text/plain"}, content=b"hello"
    )
    not_utf8 = api.post(
        url, headers={**AUTH, "Content-Type": "application/json"}, content=b'"\xff"'
    )

    assert bad.status_code == 400
    assert "malformed JSON" in bad.json()["detail"]
    assert text.status_code == 415
    assert "application/json" in text.json()["detail"]
    assert not_utf8.status_code == 400


def test_form_encoded_body_works(api, hook):
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers=AUTH,
        data={"to": "form@example.com", "subject": SUBJECT, "body": "from a form"},
    )

    assert answer.status_code == 202, answer.text
    (job,) = jobs_of(api.app, answer.json()["invocationId"])
    assert recipients(job.message["to"]) == ["form@example.com"]
    assert job.message["subject"] == SUBJECT


def test_json_sent_as_a_form_like_curl_d_does_is_read_as_json(api, hook):
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"},
        content=json.dumps({"to": "curl@example.com", "subject": SUBJECT}).encode(),
    )

    assert answer.status_code == 202, answer.text
    (job,) = jobs_of(api.app, answer.json()["invocationId"])
    assert recipients(job.message["to"]) == ["curl@example.com"]


def test_a_byte_order_mark_before_json_is_accepted(api, hook):
    body = json.dumps({"to": "bom@example.com", "subject": SUBJECT})
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={**AUTH, "Content-Type": "application/json"},
        content=b"\xef\xbb\xbf" + body.encode(),
    )

    assert answer.status_code == 202, answer.text


def test_a_number_with_thousands_of_digits_is_a_clear_400(api, hook):
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={**AUTH, "Content-Type": "application/json"},
        content=b'{"to": "x@example.com", "n": ' + b"9" * 5000 + b"}",
    )

    assert answer.status_code == 400
    assert "send it as a string" in answer.json()["detail"]


def test_path_alias_serves_the_same_webhook(api, hook):
    body = {"to": "p@example.com", "subject": "by path"}
    for path in ("automation/send-email", "automation/send-email/"):
        answer = api.post(f"/webhook/{path}", headers=AUTH, json=body)
        assert answer.status_code == 202, answer.text
    calls = api.get(f"/api/webhooks/inbound/{hook['id']}/invocations").json()
    assert len(calls["items"]) == 2


def test_same_idempotency_key_gives_one_job_and_the_same_answer(api, hook):
    url = f"/webhook/{hook['id']}"
    headers = {**AUTH, "Idempotency-Key": "order-42"}
    body = {"to": "i@example.com", "subject": SUBJECT}

    first = api.post(url, headers=headers, json=body)
    second = api.post(url, headers=headers, json={"to": "other@example.com"})

    assert first.status_code == second.status_code == 202
    assert second.json() == first.json()
    assert len(jobs_of(api.app, first.json()["invocationId"])) == 1
    calls = api.get(f"/api/webhooks/inbound/{hook['id']}/invocations").json()
    assert len(calls["items"]) == 1
    other = api.post(url, headers={**AUTH, "Idempotency-Key": "order-43"}, json=body)
    assert other.json()["invocationId"] != first.json()["invocationId"]


def test_a_rejected_call_does_not_use_up_its_idempotency_key(api, hook):
    url = f"/webhook/{hook['id']}"
    headers = {**AUTH, "Idempotency-Key": "k-1"}
    assert api.post(url, headers=headers, json={}).status_code == 422

    fixed = api.post(url, headers=headers, json={"to": "a@example.com", "subject": "s"})

    assert fixed.status_code == 202


def test_headers_and_query_placeholders(api, account):
    hook = _create(
        api,
        guide_webhook(
            account["id"],
            path=None,
            actions=[
                {
                    "type": "send_email",
                    "accountId": account["id"],
                    "parameters": {
                        "to": "{{query.to}}",
                        "subject": "Ticket {{headers.X-Ticket-Id}} {{body.ticket.0}}",
                    },
                }
            ],
        ),
    )
    answer = api.post(
        f"/webhook/{hook['id']}?to=q@example.com",
        headers={**AUTH, "x-ticket-id": "T-7"},
        json={"ticket": ["urgent"]},
    )

    assert answer.status_code == 202, answer.text
    (job,) = jobs_of(api.app, answer.json()["invocationId"])
    assert recipients(job.message["to"]) == ["q@example.com"]
    assert job.message["subject"] == "Ticket T-7 urgent"


def test_the_secret_header_is_not_offered_to_templates(api, account):
    actions = [
        {
            "type": "send_email",
            "accountId": account["id"],
            "parameters": {
                "to": "a@example.com",
                "subject": "{{headers.x-webhook-secret}}",
            },
        }
    ]
    hook = _create(api, guide_webhook(account["id"], path=None, actions=actions))
    answer = api.post(f"/webhook/{hook['id']}", headers=AUTH, json={})

    assert answer.status_code == 422
    assert SECRET not in answer.text


def test_line_breaks_in_header_values_are_refused_naming_the_field(api, hook):
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers=AUTH,
        json={
            "to": "a@example.com",
            "subject": "Hi\r\nBcc: victim@example.com",
            "headers": {"X-Tag": "a\nb"},
        },
    )

    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "subject contains a line break" in detail
    assert "headers.X-Tag contains a line break" in detail


def test_body_action_picks_among_several_and_refuses_a_missing_one(api, account):
    actions = [
        {"type": "send_email", "accountId": account["id"]},
        {"type": "reply_email", "accountId": account["id"]},
    ]
    hook = _create(api, guide_webhook(account["id"], path=None, actions=actions))
    url = f"/webhook/{hook['id']}"

    reply = api.post(
        url,
        headers=AUTH,
        json={"action": "reply_email", "messageId": "<m1@example.com>", "body": "ok"},
    )
    assert reply.status_code == 202, reply.text
    (job,) = jobs_of(api.app, reply.json()["invocationId"])
    assert job.message["in_reply_to"]["message_id"] == "<m1@example.com>"
    assert recipients(job.message.get("to")) == []

    by_uid = api.post(
        url, headers=AUTH, json={"action": "reply_email", "folder": "INBOX", "uid": 7}
    )
    assert by_uid.status_code == 202, by_uid.text
    (job,) = jobs_of(api.app, by_uid.json()["invocationId"])
    target = job.message["in_reply_to"]
    assert (target["folder"], target["uid"]) == ("INBOX", 7)
    assert target.get("message_id") is None

    unknown = api.post(url, headers=AUTH, json={"action": "forward_email"})
    assert unknown.status_code == 422
    assert "no 'forward_email' action" in unknown.json()["detail"]

    both = api.post(url, headers=AUTH, json={"to": "a@example.com", "subject": "s"})
    assert both.status_code == 422
    assert "actions[1].messageId" in both.json()["detail"]


def test_an_account_id_from_the_body_must_exist(api):
    hook = _create(api, n8n_webhook())
    answer = api.post(
        f"/webhook/{hook['id']}",
        headers={"X-Webhook-Secret": "votre-secret-identique"},
        json={
            "accountId": "acc_missing",
            "to": "a@example.com",
            "subject": "s",
            "message": "m",
        },
    )
    assert answer.status_code == 422
    assert "no account with id 'acc_missing'" in answer.json()["detail"]


def test_hmac_mode_checks_the_signature_of_the_raw_body(api, account):
    hook = _create(api, guide_webhook(account["id"], path=None, authMode="hmac"))
    assert hook["authHeader"] == "X-Webhook-Signature"
    raw = json.dumps({"to": "h@example.com", "subject": SUBJECT}).encode()
    good = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    url = f"/webhook/{hook['id']}"
    json_type = {"Content-Type": "application/json"}

    signed = api.post(
        url, headers={**json_type, "X-Webhook-Signature": good}, content=raw
    )
    prefixed = api.post(
        url, headers={**json_type, "X-Webhook-Signature": "sha256=" + good}, content=raw
    )
    tampered = api.post(
        url, headers={**json_type, "X-Webhook-Signature": good}, content=raw + b" "
    )
    secret_only = api.post(url, headers={**json_type, **AUTH}, content=raw)

    assert signed.status_code == 202, signed.text
    assert prefixed.status_code == 202
    assert tampered.status_code == 401
    assert secret_only.status_code == 401


def test_invocations_record_what_happened_but_not_the_body(api, hook):
    api.post(
        f"/webhook/{hook['id']}",
        headers=AUTH,
        json={"to": "a@example.com", "subject": "private subject"},
    )
    (call,) = api.get(f"/api/webhooks/inbound/{hook['id']}/invocations").json()["items"]

    assert call["statusCode"] == 202
    assert call["outcome"] == "queued"
    assert call["clientIp"] == "testclient"
    assert len(call["jobIds"]) == 1
    assert call["contentType"] == "application/json"
    assert call["bodyBytes"] > 0
    assert "private subject" not in json.dumps(call)


def test_wait_is_bounded(api, hook):
    answer = api.post(f"/webhook/{hook['id']}?wait=31", headers=AUTH, json={})
    assert answer.status_code == 400
    assert "30" in answer.json()["detail"]

"""The event log: what record_event stored, filtered and paginated."""

from __future__ import annotations

import pytest

from app.events.service import record_event
from tests.support.service import api_client, settings_for


def record(api, event_type, data, account_id=None):
    with api.app.state.ctx.transaction() as session:
        return record_event(session, event_type, data, account_id=account_id).id


def test_events_are_listed_newest_first_and_filtered(api):
    sent = record(api, "email.sent", {"subject": "s"}, account_id="acc_a")
    received = record(api, "email.received", {"subject": "r"}, account_id="acc_b")
    failed = record(api, "email.send_failed", {"error": "x"}, account_id="acc_a")

    everything = api.get("/api/events").json()["items"]
    of_type = api.get("/api/events", params={"type": "email.received"}).json()
    of_account = api.get("/api/events", params={"accountId": "acc_a"}).json()

    assert [e["id"] for e in everything] == [failed, received, sent]
    assert [e["id"] for e in of_type["items"]] == [received]
    assert [e["id"] for e in of_account["items"]] == [failed, sent]
    assert everything[1]["type"] == "email.received"
    assert everything[1]["data"] == {"subject": "r"}
    assert everything[1]["accountId"] == "acc_b"


def test_pages_follow_the_cursor(api):
    ids = [record(api, "email.sent", {"n": n}) for n in range(5)]

    first = api.get("/api/events", params={"limit": 2}).json()
    second = api.get(
        "/api/events", params={"limit": 2, "cursor": first["nextCursor"]}
    ).json()

    assert [e["id"] for e in first["items"] + second["items"]] == ids[::-1][:4]


@pytest.fixture
def idle_api(home):
    """A client whose dispatcher does not run: deliveries stay pending, unsent."""
    with api_client(settings_for(home, workers={"enabled": False})) as client:
        yield client


def test_one_event_and_its_deliveries(idle_api):
    api = idle_api
    hook = api.post(
        "/api/webhooks/outbound",
        json={"name": "h", "url": "https://hooks.example.com/x", "enabled": False},
    ).json()
    api.patch(f"/api/webhooks/outbound/{hook['id']}", json={"enabled": True})
    event_id = record(api, "account.error", {"kind": "AuthenticationFailed"})

    shown = api.get(f"/api/events/{event_id}")
    listed = api.get(f"/api/events/{event_id}/deliveries")
    missing = api.get("/api/events/evt_nope")

    assert shown.json()["data"] == {"kind": "AuthenticationFailed"}
    assert [d["webhookId"] for d in listed.json()["items"]] == [hook["id"]]
    assert missing.status_code == 404


def test_event_body_is_fixed_when_recorded(api):
    with api.app.state.ctx.transaction() as session:
        event = record_event(session, "email.sent", {"big": 2**60, "f": 2.0})

    assert event.body.startswith(f'{{"id":"{event.id}","event":"email.sent",')
    assert event.body.endswith('"data":{"big":"1152921504606846976","f":2}}')


def test_unknown_event_types_are_a_programming_error(api):
    with pytest.raises(ValueError), api.app.state.ctx.transaction() as session:
        record_event(session, "email.exploded", {})


def test_an_unknown_event_type_filter_lists_the_valid_ones(api):
    response = api.get("/api/events", params={"type": "bogus"})

    assert response.status_code == 422
    assert "email.received" in response.json()["detail"]

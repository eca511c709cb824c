import socket

import pytest


def test_health_is_public(api):
    response = api.get("/healthz", headers={"Authorization": ""})

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic abc"])
def test_api_refuses_missing_or_wrong_token(api, auth):
    headers = {"Authorization": auth} if auth else {"Authorization": ""}

    response = api.get("/api/accounts", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert "mailing-manager token" in response.json()["detail"]


def test_token_file_is_private(api, home):
    assert (home / "api-token").stat().st_mode & 0o777 == 0o600
    assert (home / "secret.key").stat().st_mode & 0o777 == 0o600


def test_unknown_route_uses_the_error_shape(api):
    response = api.get("/api/nothing-here")

    assert response.status_code == 404
    assert set(response.json()) == {"error", "detail"}


def test_every_route_has_an_explicit_operation_id(api):
    spec = api.get("/openapi.json").json()

    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            op_id = operation["operationId"]
            assert (op_id.isidentifier() and "_" in op_id) or op_id == "health", (
                f"{method} {path}: {op_id}"
            )


def test_docs_render_from_local_assets_without_network(api, monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network is cut off in this test")

    monkeypatch.setattr(socket, "create_connection", no_network)
    page = api.get("/docs")

    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"):
        assert asset in page.text
        served = api.get(asset)
        assert served.status_code == 200 and len(served.content) > 10_000


def test_openapi_documents_the_real_error_shape(api):
    spec = api.get("/openapi.json").json()
    accounts = spec["paths"]["/api/accounts"]["post"]["responses"]
    webhook = spec["paths"]["/webhook/{key}"]["post"]

    for code in ("401", "422"):
        ref = accounts[code]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorOut")
    assert "HTTPValidationError" not in str(accounts)
    assert {"429", "413", "401"} <= set(webhook["responses"])
    names = {p["name"] for p in webhook["parameters"]}
    assert {"X-Webhook-Secret", "Idempotency-Key", "wait"} <= names


def test_health_answers_head_for_uptime_monitors(api):
    assert api.head("/healthz").status_code == 200

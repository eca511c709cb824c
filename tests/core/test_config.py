import json

import pytest

from app.config import ConfigError, load_settings


def test_defaults_without_a_config_file(home):
    settings = load_settings()

    assert settings.webhooks.port == 3100
    assert settings.webhooks.host == "127.0.0.1"
    assert settings.database_url == f"sqlite:///{home / 'mailing-manager.db'}"
    assert settings.rate_limit.inbound == "100/minute"


def test_file_keys_in_camel_case_and_environment_wins(home, monkeypatch):
    (home / "config.json").write_text(
        json.dumps({"webhooks": {"port": 3200, "baseUrl": "https://file.example"}})
    )
    monkeypatch.setenv("MAILING_MANAGER_WEBHOOKS__BASE_URL", "https://env.example")
    monkeypatch.setenv("MAILING_MANAGER_OUTBOUND__ALLOWED_NETWORKS", '["127.0.0.0/8"]')

    settings = load_settings()

    assert settings.webhooks.port == 3200
    assert settings.webhooks.base_url == "https://env.example"
    assert settings.outbound.allowed_networks == ["127.0.0.0/8"]


def test_mistyped_key_names_the_key_and_the_file(home):
    (home / "config.json").write_text(json.dumps({"webhooks": {"prot": 3100}}))

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert "webhooks.prot" in str(info.value)
    assert str(home / "config.json") in str(info.value)


def test_wrong_type_from_environment_names_the_variable(home, monkeypatch):
    monkeypatch.setenv("MAILING_MANAGER_WEBHOOKS__PORT", "many")

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert "webhooks.port" in str(info.value)
    assert "MAILING_MANAGER_WEBHOOKS__PORT" in str(info.value)


def test_malformed_json_names_the_file_and_line(home):
    (home / "config.json").write_text('{\n  "webhooks": {"port": 3100,}\n}')

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert str(home / "config.json") in str(info.value)
    assert "line 2" in str(info.value)


def test_unparsable_rate_limit_is_refused_at_start(home, monkeypatch):
    monkeypatch.setenv("MAILING_MANAGER_RATE_LIMIT__INBOUND", "lots")

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert "rateLimit.inbound" in str(info.value)
    assert "100/minute" in str(info.value)


def test_misspelt_nested_variable_is_refused_with_a_suggestion(home, monkeypatch):
    monkeypatch.setenv("MAILING_MANAGER_WEBHOOK__BASE_URL", "https://x.example")

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert "MAILING_MANAGER_WEBHOOK__BASE_URL" in str(info.value)
    assert "did you mean MAILING_MANAGER_WEBHOOKS__BASE_URL" in str(info.value)


def test_variables_of_other_tools_sharing_the_prefix_are_ignored(home, monkeypatch):
    monkeypatch.setenv("MAILING_MANAGER_URL", "http://127.0.0.1:3100")
    monkeypatch.setenv("MAILING_MANAGER_TOKEN", "mm_x")

    assert load_settings().webhooks.port == 3100


def test_misspelt_file_key_gets_a_suggestion(home):
    (home / "config.json").write_text(json.dumps({"webhooks": {"baseUrll": "x"}}))

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert "webhooks.baseUrll" in str(info.value)
    assert "did you mean 'baseUrl'" in str(info.value)


def test_list_given_as_plain_text_says_to_write_json(home, monkeypatch):
    monkeypatch.setenv("MAILING_MANAGER_OUTBOUND__ALLOWED_NETWORKS", "127.0.0.0/8")

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert "write lists as JSON" in str(info.value)


def test_base_url_must_be_an_absolute_http_url(home, monkeypatch):
    monkeypatch.setenv("MAILING_MANAGER_WEBHOOKS__BASE_URL", "not a url")

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert "webhooks.baseUrl" in str(info.value)

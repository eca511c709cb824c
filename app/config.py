"""Settings: `<home>/config.json`, overridden by `MAILING_MANAGER_*` variables.

Keys are camelCase in the file (`webhooks.baseUrl`) and upper snake case in the
environment with `__` between levels (`MAILING_MANAGER_WEBHOOKS__BASE_URL`).
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "MAILING_MANAGER_"
CONFIG_FILE_NAME = "config.json"
# Time a send job needs under its lease besides the SMTP transaction itself.
LEASE_MARGIN_SECONDS = 60.0


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and its source."""


def home_dir() -> Path:
    """Where config, database, token and key live (`MAILING_MANAGER_HOME`)."""
    raw = os.environ.get(f"{ENV_PREFIX}HOME") or "~/.mailing-manager"
    return Path(raw).expanduser()


class Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class WebhooksSettings(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(3100, ge=1, le=65535)
    base_url: str = "http://localhost:3100"
    trusted_proxies: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(1024 * 1024, ge=1024)

    @field_validator("base_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parsed = urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(
                "must be an absolute http(s) URL such as https://abc123.ngrok.io"
            )
        return value.rstrip("/")


class DatabaseSettings(Section):
    url: str | None = None


class ApiSettings(Section):
    token: SecretStr | None = None
    # Room for the 25 MiB of attachments a send accepts, base64-encoded.
    max_body_bytes: int = Field(40 * 1024 * 1024, ge=64 * 1024)


class RateLimitSettings(Section):
    inbound: str = "100/minute"
    storage_uri: str = "memory://"

    @field_validator("inbound")
    @classmethod
    def _limit_parses(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(
                f"'{value}' is not a rate limit; write it like '100/minute' "
                "or '10/second;1000/day'"
            ) from exc
        return value


class OutboundSettings(Section):
    allowed_networks: list[str] = Field(default_factory=list)
    require_https: bool = True
    timeout_seconds: float = Field(15, gt=0, le=120)
    retry_schedule: list[float] = Field(
        default_factory=lambda: [0.0, 5, 300, 1800, 7200, 18000, 36000, 36000]
    )
    concurrency: int = Field(8, ge=1, le=64)
    # Deliveries of one webhook in flight at once, so a slow endpoint cannot
    # hold every slot while the others wait.
    per_endpoint_concurrency: int = Field(2, ge=1, le=64)
    disable_after_hours: float = Field(120, gt=0)
    rotation_grace_hours: float = Field(24, ge=0)

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network.strip(), strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"'{network}' is not a network like '127.0.0.0/8' or '10.1.2.3'"
                ) from exc
        return value

    @field_validator("retry_schedule")
    @classmethod
    def _schedule(cls, value: list[float]) -> list[float]:
        if not value or any(delay < 0 for delay in value):
            raise ValueError("give at least one delay in seconds, none negative")
        return value


class ImapSettings(Section):
    poll_interval_seconds: float = Field(60, gt=0)
    idle_seconds: float = Field(25 * 60, gt=0, le=29 * 60)
    # Small enough for receivers with a 100 kB body limit (Express's default).
    max_text_bytes: int = Field(64 * 1024, ge=1024)
    include_html: bool = False
    use_idle: bool = True
    timeout_seconds: float = Field(30, gt=0, le=300)
    # Total time for one API call's IMAP work (connect to logout): per-read
    # timeouts alone never end a server that trickles lines.
    request_deadline_seconds: float = Field(30, gt=0, le=600)
    max_live_calls_per_account: int = Field(4, ge=1, le=100)
    reconnect_max_seconds: float = Field(300, gt=0)
    lease_seconds: float = Field(60, gt=0)


class SenderSettings(Section):
    retry_schedule: list[float] = Field(
        default_factory=lambda: [0.0, 30, 120, 600, 1800, 3600]
    )
    timeout_seconds: float = Field(30, gt=0)
    # A whole SMTP transaction, connect to QUIT: a server answering slowly
    # line after line is cut off here whatever timeout_seconds says.
    send_deadline_seconds: float = Field(300, gt=0)
    # How long a sending process holds a job; past it, another process takes
    # the job over (the holder is presumed dead). Longer than any one send.
    lease_seconds: float = Field(600, gt=0)
    concurrency: int = Field(4, ge=1, le=64)

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> SenderSettings:
        # A live send must never lose its claim, or another process would send
        # the same email again while the first is still talking to the server.
        # The margin covers building the message and the IMAP look-up of a
        # replied-to email before the SMTP transaction starts.
        floor = self.send_deadline_seconds + LEASE_MARGIN_SECONDS
        if self.lease_seconds <= floor:
            raise ValueError(
                f"sender.leaseSeconds ({self.lease_seconds:g}) must be greater "
                f"than sender.sendDeadlineSeconds ({self.send_deadline_seconds:g})"
                f" + {LEASE_MARGIN_SECONDS:g} s; raise sender.leaseSeconds or "
                "lower sender.sendDeadlineSeconds"
            )
        return self


class WorkersSettings(Section):
    enabled: bool = True


class Settings(BaseSettings):
    """Every setting of the service, grouped as in the config file."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
    )

    home: Path = Field(default_factory=home_dir)
    webhooks: WebhooksSettings = Field(default_factory=WebhooksSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    outbound: OutboundSettings = Field(default_factory=OutboundSettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    sender: SenderSettings = Field(default_factory=SenderSettings)
    workers: WorkersSettings = Field(default_factory=WorkersSettings)
    secret_key: SecretStr | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _SnakeEnvSource(settings_cls), _JsonFileSource(cls))

    @property
    def config_file(self) -> Path:
        return self.home / CONFIG_FILE_NAME

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.home / 'mailing-manager.db'}"


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class _JsonFileSource(PydanticBaseSettingsSource):
    """Reads `<home>/config.json`; absent file means defaults."""

    def __init__(self, settings_cls: type[BaseSettings]):
        super().__init__(settings_cls)
        self.path = home_dir() / CONFIG_FILE_NAME

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {self.path}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{self.path} is not valid JSON (line {exc.lineno}, column "
                f"{exc.colno}: {exc.msg}); fix it or remove the file to use defaults"
            ) from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{self.path} must hold a JSON object, like {{}}")
        return _snake_keys(data)


def _snake_keys(value: Any) -> Any:
    # The environment source yields snake_case keys; both must agree for the
    # environment to win when the two are merged.
    if isinstance(value, dict):
        return {_camel_to_snake(k): _snake_keys(v) for k, v in value.items()}
    return value


class _SnakeEnvSource(PydanticBaseSettingsSource):
    """`MAILING_MANAGER_A__B_C` → {"a": {"b_c": value}}; lists and objects are
    parsed as JSON, other values kept as text for the settings to convert."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, raw in os.environ.items():
            if not key.startswith(ENV_PREFIX) or key == f"{ENV_PREFIX}HOME":
                continue
            path = key[len(ENV_PREFIX) :].lower().split("__")
            if path[0] not in Settings.model_fields:
                # Other tools share the prefix (MAILING_MANAGER_URL, ..._TOKEN),
                # but a nested name can only be meant for this service.
                if len(path) > 1:
                    raise ConfigError(_unknown_variable(key, path[0]))
                continue
            node = result
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = _parse_env_value(raw)
        return result


def _unknown_variable(name: str, section: str) -> str:
    close = difflib.get_close_matches(section, list(Settings.model_fields), n=1)
    hint = ""
    if close:
        rest = name[len(ENV_PREFIX) + len(section) :]
        hint = f"; did you mean {ENV_PREFIX}{close[0].upper()}{rest}?"
    return f"unknown setting in the environment: {name}{hint}"


def _parse_env_value(raw: str) -> Any:
    # Lists and objects come as JSON; everything else stays text for the
    # settings to convert, so a numeric token or key remains a string.
    if raw.lstrip()[:1] not in ("[", "{"):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _env_name(loc: tuple[Any, ...]) -> str:
    parts = [_camel_to_snake(str(p)).upper() for p in loc if not isinstance(p, int)]
    return ENV_PREFIX + "__".join(parts)


def _key_name(loc: tuple[Any, ...]) -> str:
    return ".".join(to_camel(str(p)) if isinstance(p, str) else str(p) for p in loc)


def load_settings(**overrides: Any) -> Settings:
    """Build the settings or raise ConfigError naming every bad key and where."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        path = home_dir() / CONFIG_FILE_NAME
        problems = []
        for err in exc.errors():
            loc = err["loc"]
            from_env = _env_name(loc) in os.environ
            where = _env_name(loc) if from_env else str(path)
            message = f"  {_key_name(loc)}: {err['msg']}{_hint(err, from_env)}"
            problems.append(f"{message} (set in {where})")
        raise ConfigError("invalid configuration:\n" + "\n".join(problems)) from exc


def _hint(err: Any, from_env: bool) -> str:
    """A suggestion for the two mistakes people make most: typos and lists."""
    if err["type"] == "extra_forbidden":
        *parents, name = err["loc"]
        model: Any = Settings
        for part in parents:
            model = model.model_fields[_camel_to_snake(str(part))].annotation
        known = [to_camel(field) for field in model.model_fields]
        close = difflib.get_close_matches(to_camel(str(name)), known, n=1)
        return f"; did you mean '{close[0]}'?" if close else ""
    if err["type"] == "list_type" and from_env:
        return """; write lists as JSON, e.g. '["127.0.0.0/8"]'"""
    return ""

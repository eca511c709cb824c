"""Bodies of the inbound webhook admin API and of the public endpoint's answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from app.inbound.paths import normalise_path
from app.kit.schema import ApiInput, ApiModel

ActionType = Literal["send_email", "reply_email"]
AuthMode = Literal["secret", "hmac"]

SECRET_HEADER = "X-Webhook-Secret"
SIGNATURE_HEADER = "X-Webhook-Signature"


class ActionIn(ApiInput):
    """One thing a call does; `parameters` are templates such as `{{body.to}}`."""

    type: ActionType
    account_id: str | None = Field(
        None, description="The account that sends; may be a template"
    )
    parameters: dict[str, Any] = Field(default_factory=dict)


class _PathMixin(ApiInput):
    @field_validator("path", check_fields=False)
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return None if value is None else normalise_path(value)


class InboundWebhookCreate(_PathMixin):
    type: Literal["inbound"] | None = Field(
        None, description="Accepted and ignored (the user guide's config has it)"
    )
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    path: str | None = Field(
        None, description="Alias served as /webhook/<path>, e.g. automation/send-email"
    )
    secret: str | None = Field(
        None,
        min_length=16,
        max_length=256,
        description="Shared secret; generated when absent",
    )
    auth_mode: AuthMode = Field(
        "secret",
        description=f"`secret`: the {SECRET_HEADER} header holds the secret; "
        f"`hmac`: the {SIGNATURE_HEADER} header holds the hex HMAC-SHA256 of "
        "the raw body keyed with the secret",
    )
    actions: list[ActionIn] = Field(min_length=1, max_length=20)
    enabled: bool = True


class InboundWebhookUpdate(_PathMixin):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    path: str | None = Field(None, description="A new alias; null removes it")
    secret: str | None = Field(None, min_length=16, max_length=256)
    auth_mode: AuthMode | None = None
    actions: list[ActionIn] | None = Field(None, min_length=1, max_length=20)
    enabled: bool | None = None


class SecretRotation(ApiInput):
    secret: str | None = Field(
        None, min_length=16, max_length=256, description="Generated when absent"
    )


class InboundWebhookOut(ApiModel):
    id: str
    type: Literal["inbound"] = "inbound"
    name: str
    description: str | None
    path: str | None
    url: str = Field(description="POST here; built from webhooks.baseUrl")
    path_url: str | None = Field(None, description="The same webhook by its path")
    auth_mode: AuthMode
    auth_header: str = Field(description="The header that carries the credential")
    actions: list[dict[str, Any]]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class InboundWebhookCreated(InboundWebhookOut):
    secret: str = Field(description="Shown on creation only; keep it")


class SecretOut(ApiModel):
    webhook_id: str
    secret: str


class InvocationOut(ApiModel):
    """One call to a webhook; the request body itself is not kept."""

    id: str
    webhook_id: str
    created_at: datetime
    client_ip: str | None
    status_code: int
    outcome: str
    job_ids: list[str]
    error: str | None
    idempotency_key: str | None
    content_type: str | None
    body_bytes: int

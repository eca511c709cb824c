"""Request and response bodies of the outbound webhook routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from app.kit.schema import ApiInput, ApiModel
from app.outbound.filters import normalise_events, normalise_filters

Secret = str


class _WebhookFields(ApiInput):
    @field_validator("events", check_fields=False)
    @classmethod
    def _known_events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else normalise_events(value)

    @field_validator("filters", check_fields=False)
    @classmethod
    def _known_filters(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else normalise_filters(value)


class WebhookCreate(_WebhookFields):
    type: Literal["outbound"] | None = Field(
        None, description="Accepted for compatibility; always `outbound`."
    )
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    url: str = Field(min_length=1, max_length=2048)
    events: list[str] = Field(
        default_factory=list, description="Event names; empty or ['*'] for all."
    )
    filters: dict[str, Any] = Field(default_factory=dict)
    secret: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="Signing secret; generated (whsec_…) when absent.",
    )
    enabled: bool = True


class WebhookUpdate(_WebhookFields):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    url: str | None = Field(None, min_length=1, max_length=2048)
    events: list[str] | None = None
    filters: dict[str, Any] | None = None
    enabled: bool | None = Field(
        None, description="true re-enables a webhook and clears why it was disabled."
    )


class WebhookOut(ApiModel):
    id: str
    type: Literal["outbound"] = "outbound"
    name: str
    description: str | None
    url: str
    events: list[str]
    filters: dict[str, list[str]]
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    last_success_at: datetime | None
    secret_rotating_until: datetime | None = Field(
        None,
        description="While set, the previous secret signs X-Webhook-Signature "
        "and, with the current one, webhook-signature.",
    )
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: Secret = Field(description="Shown now and on reveal or rotation only.")


class RotateSecretIn(ApiInput):
    secret: str | None = Field(
        None, min_length=1, max_length=500, description="The new secret, or generated."
    )
    grace_hours: float | None = Field(
        None,
        ge=0,
        le=168,
        description="Hours the previous secret keeps signing (default "
        "outbound.rotationGraceHours); 0 switches every signature at once.",
    )


class SecretOut(ApiModel):
    webhook_id: str
    secret: Secret


class RotatedSecretOut(SecretOut):
    previous_secret_expires_at: datetime | None = Field(
        None,
        description="Until when the previous secret signs; null if it no longer does.",
    )
    header_keys: dict[str, list[str]] = Field(
        description='The secrets ("new", "previous") signing each header now.'
    )
    note: str


class AttemptOut(ApiModel):
    id: str
    number: int
    status_code: int | None
    duration_ms: int
    response_excerpt: str | None
    error: str | None
    created_at: datetime


class DeliveryOut(ApiModel):
    id: str
    event_id: str
    webhook_id: str
    event_type: str
    status: str
    attempt_count: int = Field(description="Attempts so far, all cycles together.")
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime
    attempts: list[AttemptOut]


class ResendFailedIn(ApiInput):
    webhook_id: str
    since: datetime = Field(description="Re-send failed deliveries created since.")


class ResendCount(ApiModel):
    count: int


class TestOut(ApiModel):
    delivery_id: str
    event_id: str
    delivery: DeliveryOut

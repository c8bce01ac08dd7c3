"""Configuration from environment variables, validated once per cold start."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from followup.services.deps import Timings


class Config(BaseSettings):
    """Every setting has a default that works locally; AWS sets the real ones."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    table_prefix: str = Field(default="followup-", validation_alias="FOLLOWUP_TABLE_PREFIX")
    send_queue_url: str = Field(default="", validation_alias="FOLLOWUP_SEND_QUEUE_URL")
    d360_base_url: str = Field(
        default="https://waba-v2.360dialog.io", validation_alias="D360_BASE_URL"
    )
    d360_api_key: SecretStr = Field(default=SecretStr(""), validation_alias="D360_API_KEY")
    d360_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, validation_alias="D360_TIMEOUT_SECONDS"
    )
    sending_deadline_minutes: int = Field(
        default=15, ge=1, validation_alias="FOLLOWUP_SENDING_DEADLINE_MINUTES"
    )
    redrive_after_minutes: int = Field(
        default=30, ge=1, validation_alias="FOLLOWUP_REDRIVE_AFTER_MINUTES"
    )
    webhook_secrets: SecretStr = Field(
        default=SecretStr("local-webhook-secret"),
        validation_alias="WEBHOOK_SECRET",
        description="the path secret; several comma-separated ones while rotating",
    )
    webhook_header_name: str = Field(default="", validation_alias="WEBHOOK_HEADER_NAME")
    webhook_header_secret: SecretStr = Field(
        default=SecretStr(""), validation_alias="WEBHOOK_HEADER_SECRET"
    )
    meta_app_secret: SecretStr = Field(default=SecretStr(""), validation_alias="META_APP_SECRET")
    meta_verify_token: SecretStr = Field(
        default=SecretStr(""), validation_alias="META_VERIFY_TOKEN"
    )
    webhook_max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, validation_alias="WEBHOOK_MAX_BODY_BYTES"
    )
    send_concurrency: int = Field(
        default=10, ge=1, le=100, validation_alias="FOLLOWUP_SEND_CONCURRENCY"
    )

    def timings(self) -> Timings:
        return Timings(
            sending_deadline=timedelta(minutes=self.sending_deadline_minutes),
            redrive_after=timedelta(minutes=self.redrive_after_minutes),
        )

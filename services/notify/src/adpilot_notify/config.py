"""Notify settings: every channel's endpoint and credentials, retry policies, public links (prefix NOTIFY_).

Nested values use ``__``: ``NOTIFY_SMTP__HOST``, ``NOTIFY_WHATSAPP__ACCESS_TOKEN``, ``NOTIFY_WEBHOOKS__TIMEOUT_S``.
With nothing configured (``make run``) email goes to 127.0.0.1:1025 and WhatsApp/Signal are "not configured":
their deliveries fail with that reason (retryable from the delivery log) instead of crashing anything.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field, SecretStr

from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.settings import BaseServiceSettings, service_config

# Valid but public development keys: refused outside development by BaseServiceSettings (they are defaults).
_DEV_FERNET_KEY = "ZGV2LWluc2VjdXJlLW5vdGlmeS1mZXJuZXQta2V5ISE="
_DEV_CODE_KEY = "dev-insecure-notify-code-key"


class RetryPolicy(BaseModel):
    """Transient failures are retried after ``base_delay_s * 2**(attempt-1)`` (capped, or the server's
    Retry-After) until ``max_attempts`` or ``window_s`` since the delivery was (re)queued, whichever comes first."""

    max_attempts: int = Field(default=8, ge=1)
    window_s: float = Field(default=6 * 3600, gt=0)
    base_delay_s: float = Field(default=30.0, gt=0)
    max_delay_s: float = Field(default=1800.0, gt=0)


class WebhookRetryPolicy(RetryPolicy):
    """Own defaults (not a RetryPolicy instance): setting one field by env keeps the other 24 h values."""

    max_attempts: int = Field(default=40, ge=1)
    window_s: float = Field(default=24 * 3600, gt=0)
    base_delay_s: float = Field(default=30.0, gt=0)
    max_delay_s: float = Field(default=3600.0, gt=0)


class SmtpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 1025
    username: str | None = None
    password: SecretStr | None = None
    # none: plain (dev catcher); starttls: upgrade on 587; tls: implicit TLS on 465.
    security: Literal["none", "starttls", "tls"] = "none"
    from_address: str = "AdPilot <no-reply@adpilot.local>"
    timeout_s: float = Field(default=15.0, gt=0)


class ResendSettings(BaseModel):
    """Email through the Resend HTTP API instead of SMTP when ``api_key`` is set and provider is resend."""

    api_key: SecretStr | None = None
    base_url: str = "https://api.resend.com"
    timeout_s: float = Field(default=15.0, gt=0)


class WhatsAppSettings(BaseModel):
    """WhatsApp Business Cloud API: only pre-approved template messages (we message users first)."""

    access_token: SecretStr | None = None
    phone_number_id: str | None = None
    api_version: str = "v21.0"
    base_url: str = "https://graph.facebook.com"
    # Template ``<prefix><template>`` (e.g. adpilot_budget_threshold) with one body parameter: the short text.
    template_prefix: str = "adpilot_"
    timeout_s: float = Field(default=10.0, gt=0)


class SignalSettings(BaseModel):
    """A signal-cli-rest-api instance (https://github.com/bbernhard/signal-cli-rest-api) and its number."""

    base_url: str | None = None
    number: str | None = None
    timeout_s: float = Field(default=10.0, gt=0)


class WebhookSettings(BaseModel):
    timeout_s: float = Field(default=10.0, gt=0)
    # Retried with exponential back-off for up to 24 h.
    retry: WebhookRetryPolicy = WebhookRetryPolicy()
    # This many consecutive failed deliveries (each after its retries) disable the endpoint.
    disable_after_failures: int = Field(default=5, ge=1)
    # None: private/loopback targets and plain http are allowed only in development/test.
    allow_private_targets: bool | None = None
    # Receivers should reject signatures older than this (documented; sent as X-AdPilot-Timestamp).
    replay_window_s: int = 300


class Settings(BaseServiceSettings, TokenVerificationSettings):
    """Environment variables are prefixed NOTIFY_ (nested: NOTIFY_SMTP__HOST)."""

    model_config = service_config("NOTIFY_")
    service_name: ClassVar[str] = "notify"

    http_port: int = 8005
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_notify"
    # The SPA's public origin: links in messages (verify-email, reset-password, report downloads).
    public_base_url: str = "http://127.0.0.1:8000"
    default_locale: str = "en"
    # Comma-separated Fernet keys, newest first: encrypt webhook secrets at rest.
    fernet_keys: SecretStr = SecretStr(_DEV_FERNET_KEY)
    # HMAC key for destination confirmation codes (a 6-digit code needs a keyed hash to resist brute force).
    code_hmac_key: SecretStr = SecretStr(_DEV_CODE_KEY)
    code_ttl_s: int = Field(default=900, ge=60)
    code_max_attempts: int = Field(default=5, ge=1)
    # A new code for the same destination at most this often (stops code spam to someone else's phone).
    code_resend_interval_s: int = Field(default=60, ge=0)

    email_provider: Literal["smtp", "resend"] = "smtp"
    smtp: SmtpSettings = SmtpSettings()
    resend: ResendSettings = ResendSettings()
    whatsapp: WhatsAppSettings = WhatsAppSettings()
    signal: SignalSettings = SignalSettings()
    webhooks: WebhookSettings = WebhookSettings()
    # Email, WhatsApp and Signal deliveries.
    retry: RetryPolicy = RetryPolicy()

    # Delivery jobs per channel and replica (each channel has its own runner: a dead one never starves others).
    delivery_concurrency: int = Field(default=4, ge=1, le=64)
    delivery_poll_interval_s: float = Field(default=2.0, gt=0)

    @property
    def private_targets_allowed(self) -> bool:
        allowed = self.webhooks.allow_private_targets
        return self.is_development if allowed is None else allowed

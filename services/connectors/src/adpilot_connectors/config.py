"""Connectors settings: every platform's credentials, endpoints and API version live here, in one place."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field, SecretStr

from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.settings import BaseServiceSettings, service_config
from adpilot_connectors.platforms.meta.client import API_VERSION as META_API_VERSION

# A valid Fernet key so `make run` works unconfigured; refused outside development because it is the default.
_DEV_FERNET_KEY = "ZGV2LWluc2VjdXJlLWNvbm5lY3RvcnMtZmVybmV0LWs="


class GoogleAdsApp(BaseModel):
    """The Google Cloud OAuth client and Google Ads developer token (CONNECTORS_GOOGLE__CLIENT_ID ...)."""

    client_id: str | None = None
    client_secret: SecretStr | None = None
    developer_token: SecretStr | None = None
    authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
    api_endpoint: str | None = None  # None: googleads.googleapis.com (tests point it at a loopback fake)
    lookback_days: int = Field(default=14, ge=0, le=90)  # conversions restate within the conversion window

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret and self.developer_token)


class MetaApp(BaseModel):
    """The Meta app (CONNECTORS_META__APP_ID ...); the Graph API version is the client's ``API_VERSION``."""

    app_id: str | None = None
    app_secret: SecretStr | None = None
    api_version: str = META_API_VERSION
    authorize_url: str = f"https://www.facebook.com/{META_API_VERSION}/dialog/oauth"
    graph_url: str = "https://graph.facebook.com"
    lookback_days: int = Field(default=28, ge=0, le=28)  # Meta restates up to 28 days
    page_id: str | None = None  # Facebook Page the ad creatives are published as

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret)


class TikTokApp(BaseModel):
    """The TikTok for Business developer app (CONNECTORS_TIKTOK__APP_ID ...); API v1.3."""

    app_id: str | None = None
    app_secret: SecretStr | None = None
    authorize_url: str = "https://business-api.tiktok.com/portal/auth"
    base_url: str = "https://business-api.tiktok.com"
    lookback_days: int = Field(default=7, ge=0, le=28)  # the attribution window
    identity_id: str | None = None  # the TikTok identity ads are published as
    identity_type: str = "CUSTOMIZED_USER"

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret)


class SandboxApp(BaseModel):
    """The built-in simulated platform (``make run`` default, no credentials)."""

    enabled: bool = True
    seed: int = 7
    accounts: int = Field(default=3, ge=1, le=200)
    lookback_days: int = Field(default=3, ge=0, le=28)


class Settings(BaseServiceSettings, TokenVerificationSettings):
    """Environment variables are prefixed CONNECTORS_ (nested: CONNECTORS_GOOGLE__CLIENT_ID)."""

    model_config = service_config("CONNECTORS_")
    service_name: ClassVar[str] = "connectors"

    http_port: int = 8002
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_connectors"
    # Comma-separated Fernet keys, newest first: encrypts platform access/refresh tokens at rest.
    fernet_keys: SecretStr = SecretStr(_DEV_FERNET_KEY)
    # Where the platforms send the user back after consent: the gateway's public origin + this path.
    public_base_url: str = "http://127.0.0.1:8000"
    oauth_state_ttl_s: int = Field(default=600, ge=60, le=3600)

    google: GoogleAdsApp = GoogleAdsApp()
    meta: MetaApp = MetaApp()
    tiktok: TikTokApp = TikTokApp()
    sandbox: SandboxApp = SandboxApp()

    sync_interval_s: int = Field(default=900, ge=60)  # every 15 minutes per account
    token_check_interval_s: int = Field(default=600, ge=60)
    # Refresh access tokens this long before they expire; warn users this long before a non-refreshable expiry.
    token_refresh_margin_s: int = Field(default=900, ge=60)
    token_expiry_warning_days: int = Field(default=7, ge=1)
    # First sync of an account fetches this much history.
    initial_backfill_days: int = Field(default=90, ge=1, le=1095)
    sync_concurrency: int = Field(default=4, ge=1, le=64)
    write_concurrency: int = Field(default=2, ge=1, le=64)
    job_lease_s: float = Field(default=60.0, ge=5)
    # Items of a bulk write sent per platform call (Google mutate / Meta batch sizes stay well inside limits).
    write_chunk_size: int = Field(default=50, ge=1, le=1000)

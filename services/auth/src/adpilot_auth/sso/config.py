"""Google SSO settings (environment variables ``AUTH_GOOGLE_*``), separate from the service settings."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

GOOGLE_DISCOVERY_URL = "https://accounts.google.com/.well-known/openid-configuration"


class SsoSettings(BaseSettings):
    """SSO is enabled exactly when ``AUTH_GOOGLE_CLIENT_ID`` is set; otherwise its endpoints answer 404."""

    model_config = SettingsConfigDict(env_prefix="AUTH_GOOGLE_", extra="ignore")

    client_id: str | None = None
    client_secret: SecretStr = SecretStr("")
    discovery_url: str = GOOGLE_DISCOVERY_URL
    # Sent verbatim and compared exactly by the provider: it must be registered character for character.
    redirect_uri: str = "http://127.0.0.1:8000/api/auth/sso/google/callback"
    # Create an account on a first Google sign-in with an address nobody registered yet.
    allow_signup: bool = True
    # Where the SPA asks an MFA user for their TOTP code after Google (#mfa_token=...&next=...).
    mfa_path: str = "/login/mfa"
    http_timeout_s: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.client_id)

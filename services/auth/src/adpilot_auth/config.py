from typing import ClassVar

from pydantic import SecretStr

from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.settings import BaseServiceSettings, service_config

# A valid Fernet key so `make run` works unconfigured; refused outside development because it is the default.
_DEV_FERNET_KEY = "ZGV2LW9ubHktZmVybmV0LWtleS1ub3QtYS1zZWNyZXQ="


class Settings(BaseServiceSettings, TokenVerificationSettings):
    """Environment variables are prefixed AUTH_ (e.g. AUTH_DATABASE_URL)."""

    model_config = service_config("AUTH_")
    service_name: ClassVar[str] = "auth"

    http_port: int = 8001
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_auth"
    # Comma-separated Fernet keys, newest first: encrypts signing keys and TOTP secrets at rest.
    fernet_keys: SecretStr = SecretStr(_DEV_FERNET_KEY)
    # HMAC key for stored MFA recovery codes (a database copy alone cannot be brute-forced offline).
    recovery_code_pepper: SecretStr = SecretStr("dev-only-recovery-code-pepper")
    mfa_challenge_ttl_s: int = 300
    mfa_max_attempts_per_5min: int = 5
    access_token_ttl_s: int = 600
    refresh_token_ttl_s: int = 14 * 86400
    session_absolute_ttl_s: int = 30 * 86400
    # Refresh cookie: Secure everywhere but plain-http development; __Host- prefix when Secure.
    cookie_secure: bool | None = None
    # Origins allowed to make cookie-authenticated writes (CSRF Origin check), e.g. https://adpilot.example.com
    allowed_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    audit_retention_days: int = 90
    housekeeping_interval_s: float = 3600
    # Failed sign-ins per client address in any 60 s (moving window); successful ones do not count.
    login_failures_per_ip_per_minute: int = 10
    # Account lockout: after this many consecutive failures, back off 30 s, doubling, capped at 15 min.
    lockout_threshold: int = 5
    lockout_max_s: int = 900

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else not self.is_development

    @property
    def refresh_cookie_name(self) -> str:
        return "__Host-adpilot_refresh" if self.secure_cookies else "adpilot_refresh"

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator

from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.settings import DEV_SECRET_MARKER, BaseServiceSettings, ServiceRole, service_config

REPO_ROOT = Path(__file__).resolve().parents[4]


class Settings(BaseServiceSettings, TokenVerificationSettings):
    """Environment variables are prefixed GATEWAY_ (e.g. GATEWAY_AUTH_URL)."""

    model_config = service_config("GATEWAY_")
    service_name: ClassVar[str] = "gateway"

    @field_validator("role")
    @classmethod
    def _one_role(cls, role: ServiceRole) -> ServiceRole:
        # The gateway has no background work to split off: every replica is the same.
        if role is not ServiceRole.ALL:
            raise ValueError("the gateway runs as role 'all' only (GATEWAY_ROLE)")
        return role

    http_port: int = 8000
    # Reverse proxies in front of the gateway (Caddy, the ingress controller) whose X-Forwarded-For/-Proto are
    # believed; none by default, so the address a client connects from is the one rate limits count and the
    # services are told. Addresses or CIDR ranges, e.g. ["10.0.0.0/8"].
    forwarded_allow_ips: list[str] = Field(default_factory=list)
    auth_url: str = "http://127.0.0.1:8001"
    connectors_url: str = "http://127.0.0.1:8002"
    ai_copy_url: str = "http://127.0.0.1:8003"
    metrics_url: str = "http://127.0.0.1:8004"
    notify_url: str = "http://127.0.0.1:8005"
    upstream_timeout_s: float = 30.0
    upstream_connect_timeout_s: float = 2.0  # a service that is down answers 503 quickly, never a hang
    upstream_max_connections: int = 200
    spa_dir: Path = REPO_ROOT / "web" / "dist"
    session_secret: SecretStr = SecretStr(f"{DEV_SECRET_MARKER}-gateway-session-secret")
    # Requests per user (signed in) or per client IP (anonymous), and sign-in attempts per IP ("N/second|minute|hour").
    rate_limit_per_user: str = "600/minute"
    rate_limit_per_ip: str = "300/minute"
    rate_limit_login_per_ip: str = "20/minute"
    # Where the counters live: memory:// for one replica, redis://host:6379 shared by several.
    rate_limit_storage: str = "memory://"
    # Largest request body passed to a service (413 problem beyond it).
    max_body_bytes: int = 10 * 1024 * 1024
    # Other origins allowed to call the API from a browser (CORS); empty: only the SPA's own origin.
    cors_origins: list[str] = Field(default_factory=list)
    # Origins the SPA is served from: the only ones allowed to open the live-events WebSocket.
    allowed_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000", "http://localhost:8000"]
    )

    def upstreams(self) -> dict[str, str]:
        """Route prefix (``/api/<name>``) → base URL of the service behind it."""
        return {
            "auth": self.auth_url,
            "connectors": self.connectors_url,
            "ai-copy": self.ai_copy_url,
            "metrics": self.metrics_url,
            "notify": self.notify_url,
        }

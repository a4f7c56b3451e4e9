"""Settings base shared by every service.

Each service subclasses :class:`BaseServiceSettings` with its own ``env_prefix`` (``AUTH_``, ``METRICS_`` ...).
Secrets carry development defaults so ``make run`` works with no configuration, and the validator refuses to
start with any of those defaults outside ``development``/``test``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_MARKER = "dev-insecure"  # noqa: S105 (the marker that gets refused, not a secret)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ServiceRole(StrEnum):
    """What one process of a service runs, so the HTTP API and the event/background work can be scaled (and
    isolated) separately: ``api`` replicas answer HTTP, ``worker`` replicas consume events and run the
    background work (job runners, schedule ticker, housekeeping). A service deployed as ``api`` needs ``worker``
    replicas of the same service beside it. Both relay their own outbox."""

    ALL = "all"  # one process does everything (make run, small deployments)
    API = "api"
    WORKER = "worker"


class InsecureDefaultSecretError(ValueError):
    """A secret still holds its development default in a non-development environment."""


class BaseServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set ``model_config = service_config("AUTH_")``."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    service_name: ClassVar[str] = "service"

    environment: Environment = Environment.DEVELOPMENT
    log_level: str = "INFO"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # Peers whose X-Forwarded-For/-Proto are believed (addresses or CIDR ranges, JSON list): for a service, the
    # gateway, which sends one client address it determined itself (loopback in the devstack). The gateway's own
    # default is none. ``adpilot_common.serve`` applies it; uvicorn's FORWARDED_ALLOW_IPS is not read.
    forwarded_allow_ips: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/postgres"
    database_pool_size: int = 20
    nats_url: str = "nats://127.0.0.1:14222"
    # Seconds between reconnect attempts; attempts are unlimited (nats-py gives up after ~2 min by default).
    nats_reconnect_wait_s: float = 1.0
    nats_ping_interval_s: int = 10
    # JetStream stream replicas declared at start: 1 for a single server, 3 for the k8s cluster.
    nats_stream_replicas: int = 1
    otel_exporter_otlp_endpoint: str | None = None
    outbox_batch_size: int = 500
    outbox_poll_interval_s: float = 0.2
    consumer_max_deliver: int = 6
    consumer_ack_wait_s: float = 30.0
    consumer_retry_delays_s: list[float] = Field(default_factory=lambda: [1.0, 5.0, 30.0, 120.0, 600.0])
    consumer_batch_size: int = 100
    # Transactions applied at once per pulled batch, for consumers whose events are ordered by a key (see
    # messaging/consumer.py); 1 applies every batch in one transaction.
    consumer_parallelism: int = Field(default=8, ge=1, le=32)
    role: ServiceRole = ServiceRole.ALL

    @property
    def is_development(self) -> bool:
        return self.environment in (Environment.DEVELOPMENT, Environment.TEST)

    def _is_default(self, name: str, value: SecretStr) -> bool:
        secret = value.get_secret_value()
        return DEV_SECRET_MARKER in secret or secret == _default_secret(self, name)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> BaseServiceSettings:
        if self.is_development:
            return self
        insecure = [
            name for name, value in self if isinstance(value, SecretStr) and self._is_default(name, value)
        ]
        if insecure:
            prefix = self.model_config.get("env_prefix", "")
            names = ", ".join(f"{prefix}{n.upper()}" for n in insecure)
            raise InsecureDefaultSecretError(
                f"{names} still hold development defaults; set real values for environment={self.environment}"
            )
        return self


def _default_secret(settings: BaseServiceSettings, name: str) -> str | None:
    default = type(settings).model_fields[name].default
    return default.get_secret_value() if isinstance(default, SecretStr) else None


def service_config(env_prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=env_prefix, extra="ignore", env_nested_delimiter="__")

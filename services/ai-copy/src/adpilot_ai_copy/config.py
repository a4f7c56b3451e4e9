"""ai-copy settings (AI_COPY_ prefix, nested with ``__``). No provider configured = the offline generator."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, Field, SecretStr

from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.settings import BaseServiceSettings, service_config

# Unsupported-claim words refused in every org's copy (orgs add their own in the brand voice).
DEFAULT_BANNED_TERMS = ["guaranteed", "risk-free", "miracle", "cure", "#1"]


class ProviderSettings(BaseModel):
    """One LLM endpoint of the ordered fallback list (AI_COPY_PROVIDERS is a JSON list of these).

    ``model`` is a litellm model id: ``openai/gpt-4o-mini``, ``anthropic/claude-3-5-haiku-latest``,
    ``gemini/gemini-2.0-flash``, or ``openai/<name>`` with ``api_base`` for any OpenAI-compatible server
    (vLLM, Ollama's ``/v1``, a proxy)."""

    model: str = Field(min_length=3)
    api_key: SecretStr | None = None
    api_base: str | None = None
    timeout_s: float = Field(default=30.0, gt=0, le=600)
    # litellm's own retries of this provider before falling back to the next one.
    num_retries: int = Field(default=1, ge=0, le=5)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=2000, ge=64, le=32000)
    # USD per token; set them for models litellm's cost map does not know (local models: 0).
    input_cost_per_token: float | None = Field(default=None, ge=0)
    output_cost_per_token: float | None = Field(default=None, ge=0)


class Settings(BaseServiceSettings, TokenVerificationSettings):
    """Environment variables are prefixed AI_COPY_ (e.g. AI_COPY_DATABASE_URL, AI_COPY_PROVIDERS='[...]')."""

    model_config = service_config("AI_COPY_")
    service_name: ClassVar[str] = "ai-copy"

    http_port: int = 8003
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_ai_copy"

    providers: list[ProviderSettings] = Field(default_factory=list)
    # Re-asks of the model with the validation errors before a request fails as invalid output.
    max_repairs: int = Field(default=2, ge=0, le=5)
    max_variants: int = Field(default=10, ge=1, le=50)
    default_banned_terms: list[str] = Field(default_factory=lambda: list(DEFAULT_BANNED_TERMS))
    meta_primary_text_max: int = Field(default=500, ge=125, le=5000)
    meta_primary_text_recommended: int = Field(default=125, ge=1)

    monthly_budget_usd: Decimal = Field(default=Decimal("50"), ge=0)
    rate_limit_per_minute: int = Field(default=30, ge=1)
    cache_ttl_days: int = Field(default=30, ge=0)  # 0 disables the cache

    bulk_max_items: int = Field(default=50, ge=1, le=1000)
    job_concurrency: int = Field(default=2, ge=1, le=64)
    job_lease_s: float = Field(default=60.0, ge=5)
    job_max_attempts: int = Field(default=3, ge=1, le=10)
    job_retry_delay_s: float = Field(default=30.0, ge=0)

    @property
    def offline(self) -> bool:
        return not self.providers

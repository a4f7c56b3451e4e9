"""LLM providers through litellm: an ordered fallback list (OpenAI, Anthropic, Gemini, any OpenAI-compatible
``api_base`` such as vLLM or Ollama), each with its own timeout and retries.

Why our own loop rather than litellm's ``fallbacks=``: each entry has its own key, base URL, timeout and
prices, and we must know which one answered to record tokens and cost against it.

Importing this module configures litellm for a server: the cost map is read from the installed package
(litellm would otherwise download it at import), and no callbacks, telemetry or message logging run, so
prompts and keys go nowhere but the configured endpoints. Keys are passed per call, never logged."""

from __future__ import annotations

import os

for _flag in (
    "LITELLM_LOCAL_MODEL_COST_MAP",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS",
    "LITELLM_LOCAL_BLOG_POSTS",
):
    os.environ.setdefault(_flag, "True")

import asyncio  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

import litellm  # noqa: E402
from litellm.types.utils import CostPerToken  # noqa: E402

from adpilot_ai_copy.config import ProviderSettings  # noqa: E402
from adpilot_ai_copy.providers.base import Completion, CopyTask, Message, ProviderUnavailable  # noqa: E402
from adpilot_ai_copy.providers.observability import LLM_PROVIDER_FAILURES  # noqa: E402
from adpilot_common.logging import get_logger  # noqa: E402

litellm.suppress_debug_info = True
litellm.turn_off_message_logging = True
litellm.success_callback = []
litellm.failure_callback = []
litellm.callbacks = []

log = get_logger(__name__)
# Placeholder key for OpenAI-compatible servers that need none: without it litellm would fall back to the
# OPENAI_API_KEY of the environment and send the real key to a local endpoint.
NO_KEY = "not-needed"


class LiteLLMProviders:
    """Tries each configured provider in order; the first answer wins."""

    offline = False

    def __init__(self, providers: list[ProviderSettings]) -> None:
        if not providers:
            raise ValueError("no LLM provider configured")
        self._providers = providers

    @property
    def name(self) -> str:
        return self._providers[0].model

    async def complete(self, messages: list[Message], task: CopyTask) -> Completion:
        failures: list[str] = []
        for provider in self._providers:
            try:
                response = await litellm.acompletion(**_call_args(provider, messages))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any provider error (HTTP, timeout, connection) moves to the next one
                # The type and status only: messages of some SDK errors echo request details.
                reason = f"{type(exc).__name__}{_status_of(exc)}"
                log.warning("llm provider failed; trying the next one", provider=provider.model, error=reason)
                failures.append(f"{provider.model}: {reason}")
                LLM_PROVIDER_FAILURES.labels(provider.model).inc()
                continue
            return _completion(provider, response)
        raise ProviderUnavailable("every LLM provider failed (" + "; ".join(failures) + ")")


def _call_args(provider: ProviderSettings, messages: list[Message]) -> dict[str, Any]:
    key = provider.api_key.get_secret_value() if provider.api_key else (NO_KEY if provider.api_base else None)
    return {
        "model": provider.model,
        "messages": messages,
        "api_base": provider.api_base,
        "api_key": key,
        "timeout": provider.timeout_s,
        "num_retries": provider.num_retries,
        "temperature": provider.temperature,
        "max_tokens": provider.max_tokens,
        "response_format": {"type": "json_object"},
        "drop_params": True,  # providers without JSON mode still answer; the validator checks the JSON
    }


def _status_of(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return f" (HTTP {status})" if isinstance(status, int) else ""


def _completion(provider: ProviderSettings, response: Any) -> Completion:
    usage = getattr(response, "usage", None)
    return Completion(
        content=response.choices[0].message.content or "",
        provider=provider.model,
        offline=False,
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        cost_usd=_cost(provider, response),
    )


def _cost(provider: ProviderSettings, response: Any) -> Decimal:
    """litellm's ``completion_cost`` from the answer's usage, with the configured prices when given."""
    custom = None
    if provider.input_cost_per_token is not None or provider.output_cost_per_token is not None:
        custom = CostPerToken(
            input_cost_per_token=provider.input_cost_per_token or 0.0,
            output_cost_per_token=provider.output_cost_per_token or 0.0,
        )
    try:
        cost = litellm.completion_cost(completion_response=response, custom_cost_per_token=custom)
    except Exception as exc:  # a model litellm has no price for: recorded free, and said loudly
        log.warning(
            "llm cost unknown; set input_cost_per_token/output_cost_per_token for this provider",
            provider=provider.model,
            error=type(exc).__name__,
        )
        return Decimal(0)
    return Decimal(str(cost)).quantize(Decimal("0.00000001"))

"""Prometheus counters of LLM use: answers, tokens and cost by provider (the dashboard's LLM panels and the
budget-burn alert), provider failures and budget refusals."""

from __future__ import annotations

from prometheus_client import Counter

from adpilot_ai_copy.providers.base import Completion

LLM_ANSWERS = Counter("adpilot_llm_answers_total", "Answers received from a copy provider", ["provider"])
LLM_TOKENS = Counter("adpilot_llm_tokens_total", "Tokens spent by provider and kind", ["provider", "kind"])
LLM_COST = Counter("adpilot_llm_cost_usd_total", "LLM spend in US dollars (litellm's prices)", ["provider"])
LLM_PROVIDER_FAILURES = Counter(
    "adpilot_llm_provider_failures_total",
    "Calls to a provider that failed (the next one was tried)",
    ["provider"],
)
LLM_BUDGET_REFUSALS = Counter(
    "adpilot_llm_budget_refusals_total", "Generation requests refused: the org's monthly budget is spent"
)


def count_completion(completion: Completion) -> None:
    """Counted when the answer arrives: its tokens are spent whether or not the request succeeds in the end."""
    LLM_ANSWERS.labels(completion.provider).inc()
    if completion.prompt_tokens:
        LLM_TOKENS.labels(completion.provider, "prompt").inc(completion.prompt_tokens)
    if completion.completion_tokens:
        LLM_TOKENS.labels(completion.provider, "completion").inc(completion.completion_tokens)
    if completion.cost_usd:
        LLM_COST.labels(completion.provider).inc(float(completion.cost_usd))

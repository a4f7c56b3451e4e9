"""Asking a provider for copy until the answer passes the platform rules: parse, validate, re-ask with the
errors (at most ``max_repairs`` times), then fail with :class:`InvalidOutput`. Every answer's usage lands in
the :class:`Ledger`, also when the request fails in the end (the tokens were spent)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, TypeVar

from adpilot_ai_copy.brief import CopyBrief
from adpilot_ai_copy.generation import prompt
from adpilot_ai_copy.providers.base import Completion, CopyProvider, CopyTask, Message
from adpilot_ai_copy.providers.observability import count_completion
from adpilot_ai_copy.rules.platforms import PlatformCopy, RuleContext, copy_fields, validate_copy

T = TypeVar("T")
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class InvalidOutput(Exception):
    """The provider's answers kept breaking the rules; ``errors`` are those of the last answer."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:10]))
        self.errors = errors


@dataclass
class Ledger:
    """The answers a request consumed (re-asks included), for usage records and totals."""

    completions: list[Completion] = field(default_factory=list)

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.completions)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.completions)

    @property
    def cost_usd(self) -> Decimal:
        return sum((c.cost_usd for c in self.completions), Decimal(0))

    @property
    def provider(self) -> str | None:
        return self.completions[-1].provider if self.completions else None


@dataclass(frozen=True)
class Engine:
    provider: CopyProvider
    max_repairs: int

    async def variants(
        self, brief: CopyBrief, platform: str, n: int, ctx: RuleContext, brand: dict[str, Any], ledger: Ledger
    ) -> list[PlatformCopy]:
        messages = prompt.variant_messages(brief, platform, n, ctx, brand)
        task = CopyTask("variants", platform, brief, ctx, variants=n)
        return await self._until_valid(messages, task, ledger, lambda c: parse_variants(c, platform, n, ctx))

    async def field(
        self,
        brief: CopyBrief,
        platform: str,
        ctx: RuleContext,
        brand: dict[str, Any],
        current: dict[str, Any],
        target: str,
        index: int | None,
        ledger: Ledger,
        seed: int,
    ) -> PlatformCopy:
        messages = prompt.field_messages(brief, platform, ctx, brand, current, target, index)
        task = CopyTask("field", platform, brief, ctx, target=target, index=index, current=current, seed=seed)

        def parse(content: str) -> tuple[PlatformCopy | None, list[str]]:
            return parse_field(content, platform, ctx, current, target, index)

        copy = await self._until_valid(messages, task, ledger, parse)
        assert copy is not None  # parse_field gives a copy whenever it reports no error
        return copy

    async def _until_valid(
        self,
        messages: list[Message],
        task: CopyTask,
        ledger: Ledger,
        parse: Callable[[str], tuple[T, list[str]]],
    ) -> T:
        errors: list[str] = []
        for attempt in range(self.max_repairs + 1):
            completion = await self.provider.complete(messages, replace(task, seed=task.seed + attempt))
            ledger.completions.append(completion)
            count_completion(completion)
            result, errors = parse(completion.content)
            if not errors:
                return result
            messages = prompt.repair_messages(messages, completion.content, errors)
        raise InvalidOutput(errors)


def _load_json(content: str) -> tuple[Any, list[str]]:
    match = _FENCE.match(content)
    try:
        return json.loads(match.group(1) if match else content), []
    except json.JSONDecodeError as exc:
        return None, [f"the answer is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]


def parse_variants(
    content: str, platform: str, n: int, ctx: RuleContext
) -> tuple[list[PlatformCopy], list[str]]:
    data, errors = _load_json(content)
    if errors:
        return [], errors
    variants = data.get("variants") if isinstance(data, dict) else None
    if not isinstance(variants, list):
        return [], ['the answer must be a JSON object with a "variants" list']
    if len(variants) != n:
        errors.append(f'"variants" must hold exactly {n} variant(s), got {len(variants)}')
    copies: list[PlatformCopy] = []
    for i, raw in enumerate(variants[:n]):
        copy, problems = validate_copy(platform, raw, ctx, where=f"variants.{i}")
        errors += problems
        if copy is not None:
            if copy in copies:
                errors.append(
                    f"variants.{i} repeats variants.{copies.index(copy)}; every variant must differ"
                )
            copies.append(copy)
    return copies, errors


def parse_field(
    content: str, platform: str, ctx: RuleContext, current: dict[str, Any], target: str, index: int | None
) -> tuple[PlatformCopy | None, list[str]]:
    data, errors = _load_json(content)
    if errors:
        return None, errors
    if not isinstance(data, dict) or "value" not in data:
        return None, ['the answer must be a JSON object {"value": ...}']
    updated = dict(current)
    value = data["value"]
    if index is not None:
        updated[target] = [*current[target][:index], value, *current[target][index + 1 :]]
    else:
        updated[target] = value
    copy, errors = validate_copy(platform, updated, ctx)
    if copy is not None and copy_fields(copy)[target] == current.get(target):
        return None, [f"{target} is unchanged; write something different"]
    return copy, errors

"""The interface every copy generator has: chat messages in (LLMs read them), JSON text out.

The offline generator reads the structured :class:`CopyTask` instead of the messages, so both kinds go
through the same parsing, validation and re-ask loop."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol

from adpilot_ai_copy.brief import CopyBrief
from adpilot_ai_copy.rules.platforms import RuleContext

Message = dict[str, str]
OFFLINE = "offline"


@dataclass(frozen=True)
class CopyTask:
    kind: Literal["variants", "field"]
    platform: str
    brief: CopyBrief
    rules: RuleContext
    variants: int = 1
    target: str | None = None  # kind="field": which field to write again ...
    index: int | None = None  # ... and which line of a list field
    current: dict[str, Any] | None = None  # kind="field": the variant as it is
    seed: int = 0  # differs per attempt and regeneration, so a re-ask or regeneration gets a new answer


@dataclass(frozen=True)
class Completion:
    content: str
    provider: str  # "offline" or the litellm model id that answered
    offline: bool
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal(0)


class ProviderUnavailable(Exception):
    """Every configured provider failed (errors, timeouts); worth retrying later."""


class CopyProvider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def offline(self) -> bool: ...

    async def complete(self, messages: list[Message], task: CopyTask) -> Completion: ...

from __future__ import annotations

from adpilot_ai_copy.config import Settings
from adpilot_ai_copy.providers.base import CopyProvider
from adpilot_ai_copy.providers.offline import OfflineProvider


def build_provider(settings: Settings) -> CopyProvider:
    """The offline generator unless providers are configured. litellm is imported only then: its import is
    slow and configures process-wide state."""
    if settings.offline:
        return OfflineProvider()
    from adpilot_ai_copy.providers.llm import LiteLLMProviders

    return LiteLLMProviders(settings.providers)

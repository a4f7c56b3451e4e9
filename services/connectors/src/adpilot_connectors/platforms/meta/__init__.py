"""Meta (Facebook/Instagram) Marketing API client on the official ``facebook-business`` SDK."""

from adpilot_connectors.platforms.meta.client import (
    API_VERSION,
    DEFAULT_CONVERSION_ACTION_TYPES,
    RESTATEMENT_LOOKBACK_DAYS,
    MetaClient,
    MetaTuning,
)

__all__ = [
    "API_VERSION",
    "DEFAULT_CONVERSION_ACTION_TYPES",
    "RESTATEMENT_LOOKBACK_DAYS",
    "MetaClient",
    "MetaTuning",
]

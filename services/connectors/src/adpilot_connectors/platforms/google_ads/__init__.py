"""Google Ads (official ``google-ads`` SDK, async gRPC) implementation of ``AdPlatformClient``."""

from adpilot_connectors.platforms.google_ads.client import (
    API_VERSION,
    GoogleAdsPlatformClient,
    normalize_customer_id,
    rsa_copy_problems,
    rsa_problems,
)

__all__ = [
    "API_VERSION",
    "GoogleAdsPlatformClient",
    "normalize_customer_id",
    "rsa_copy_problems",
    "rsa_problems",
]

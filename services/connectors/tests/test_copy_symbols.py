"""Google Ads refuses emoji and decorative symbols in ad copy: a write job with them is refused when it is
submitted, by the same rule ai-copy writes copy by (adpilot_common.text_width)."""

from __future__ import annotations

from adpilot_connectors.config import Settings
from adpilot_connectors.platforms.base import Platform
from adpilot_connectors.writes.validation import parse_operations

from .write_support import ad, campaign_and_group


def test_emoji_in_google_copy_are_refused_per_line() -> None:
    operations = [
        *campaign_and_group(),
        ad(2, headlines=["Plumbing 24/7 🚰", "Zürich & São Paulo", "Call ☎ now"], path2="fast✓"),
        ad(
            3, headlines=["Plumbing 24/7", "Zürich & São Paulo", "Brand® 20°C™"]
        ),  # typographic signs are fine
    ]
    for platform in (Platform.GOOGLE, Platform.SANDBOX):
        _, bad = parse_operations(operations, platform, Settings())
        assert [b.index for b in bad] == [2]
        assert bad[0].problems == [
            "headline 1 contains 🚰; Google Ads refuses emoji and decorative symbols",
            "headline 3 contains ☎; Google Ads refuses emoji and decorative symbols",
            "path2 contains ✓; Google Ads refuses emoji and decorative symbols",
        ]

"""Emoji and decorative symbols: Google Ads refuses them (editorial policy), so the Google rules do, and the
offline generator leaves the brief's out of Google copy; its wording and shortening read naturally."""

from __future__ import annotations

import pytest

from adpilot_ai_copy.brief import CopyBrief
from adpilot_ai_copy.generation.engine import Engine, Ledger
from adpilot_ai_copy.providers.offline import OfflineProvider
from adpilot_ai_copy.rules.platforms import RuleContext, copy_fields, validate_copy
from adpilot_ai_copy.rules.text import Counting, fit

PLUMBING = {
    "product": "Emergency plumbing 24/7 — Zürich & São Paulo 🚰",
    "audience": "homeowners",
    "tone": "urgent",
    "keywords": ["leak ★ repair"],
}
GOOGLE = {"headlines": ["Plumbing 24/7", "Zürich & São Paulo", "Call now"],
          "descriptions": ["Fast help with every leak.", "Brand® plumbers, 20°C warm water™."]}  # fmt: skip


def test_google_copy_with_emoji_or_decorative_symbols_is_invalid() -> None:
    assert validate_copy("google", GOOGLE, RuleContext())[1] == []  # typographic signs are fine
    _, errors = validate_copy(
        "google", {**GOOGLE, "descriptions": ["Fast help 🚰 now.", "Call ☎ us."]}, RuleContext()
    )
    reason = "Google Ads' editorial policy refuses emoji and decorative symbols"
    assert errors == [
        f"descriptions.0: 'Fast help 🚰 now.' contains 🚰; {reason}",
        f"descriptions.1: 'Call ☎ us.' contains ☎; {reason}",
    ]
    _, errors = validate_copy("google", {**GOOGLE, "path1": "fix👍🏽"}, RuleContext())
    assert errors == [f"path1: 'fix👍🏽' contains 👍 🏽; {reason}"]
    # Meta and TikTok take them.
    meta = {"primary_text": "Help now 🚰", "headline": "Plumbing 🚰", "description": "24/7"}
    assert validate_copy("meta", meta, RuleContext())[1] == []


async def copies(platform: str) -> list[dict[str, object]]:
    brief = CopyBrief.model_validate({**PLUMBING, "platforms": [platform], "variants": 4})
    out = await Engine(OfflineProvider(), max_repairs=0).variants(
        brief, platform, 4, RuleContext(), {}, Ledger()
    )
    return [copy_fields(c) for c in out]


async def test_offline_google_copy_leaves_the_briefs_emoji_out() -> None:
    lines = [line for c in await copies("google") for f in ("headlines", "descriptions") for line in c[f]]  # type: ignore[attr-defined]
    assert "Discover Emergency plumbing 24/7 — Zürich & São Paulo, made for homeowners!" in lines
    assert "leak repair" in lines
    assert not [line for line in lines if "🚰" in line or "★" in line]
    assert "An urgent take on Emergency plumbing 24/7 — Zürich & São Paulo!" in lines  # not "A urgent"
    meta = await copies("meta")
    assert any("🚰" in str(c["primary_text"]) for c in meta)  # Meta keeps them


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        (
            "Emergency plumbing 24/7 — Zürich & São Paulo 🚰",
            40,
            "Emergency plumbing 24/7",
        ),  # the whole phrase
        ("Fresh pasta, handmade daily in Zürich and Bern", 40, "Fresh pasta, handmade daily in Zürich"),
        ("3.5 kg of coffee beans delivered weekly", 30, "3.5 kg of coffee beans"),
    ],
)
def test_shortened_lines_end_at_a_phrase_or_word(text: str, limit: int, expected: str) -> None:
    assert fit(text, limit, Counting.CODE_POINTS) == expected


async def test_offline_meta_headline_is_not_cut_inside_a_name() -> None:
    headlines = [str(c["headline"]) for c in await copies("meta")]
    assert "Emergency plumbing 24/7" in headlines
    assert not [h for h in headlines if h.endswith("São")]

"""Platform rules in code: character counting the platforms' way, limits, counts, duplicates, banned terms."""

from __future__ import annotations

import pytest

from adpilot_ai_copy.rules.banned import BannedTerms
from adpilot_ai_copy.rules.platforms import GoogleRsa, RuleContext, copy_warnings, validate_copy
from adpilot_ai_copy.rules.text import Counting, fit, text_length

CTX = RuleContext(BannedTerms.of(["guaranteed", "#1", "無料"]), meta_primary_text_max=200)


@pytest.mark.parametrize(
    ("text", "wide", "points"),
    [
        ("Coffee", 6, 6),
        ("コーヒー", 8, 4),  # katakana: wide
        ("咖啡豆", 6, 3),  # CJK ideographs: wide
        ("커피", 4, 2),  # hangul: wide
        ("\uff21\uff22\uff23", 6, 3),  # fullwidth Latin ABC: F
        ("ｺｰﾋｰ", 4, 4),  # halfwidth katakana: H, counts once
        ("Café", 4, 4),
        ("Cafe\u0301", 4, 4),  # decomposed é is NFC-normalised first: one character
        ("Mix 日本 ok", 11, 9),
    ],
)
def test_wide_characters_count_twice_where_the_platform_says_so(text: str, wide: int, points: int) -> None:
    assert text_length(text, Counting.WIDE_AS_TWO) == wide
    assert text_length(text, Counting.CODE_POINTS) == points


def test_fit_cuts_latin_at_a_word_and_cjk_at_a_character() -> None:
    assert (
        fit("Fresh coffee beans delivered every single week", 30, Counting.WIDE_AS_TWO)
        == "Fresh coffee beans delivered"
    )
    cut = fit("日本語の広告見出しテストです日本語の", 30, Counting.WIDE_AS_TWO)
    assert text_length(cut, Counting.WIDE_AS_TWO) == 30
    assert fit("Short", 30, Counting.WIDE_AS_TWO) == "Short"


def test_google_headline_of_16_wide_characters_is_32_and_refused() -> None:
    headline = "日本語の広告見出しテストです日本"  # 16 wide characters = 32 > 30
    copy, errors = validate_copy(
        "google", {"headlines": [headline, "b", "c"], "descriptions": ["x", "y"]}, CTX
    )
    assert copy is None
    assert errors == [
        f"headlines.0: {headline!r} is 32 characters (wide characters count as 2); the limit is 30"
    ]
    ok, errors = validate_copy(
        "google", {"headlines": [headline[:15], "b", "c"], "descriptions": ["x", "y"]}, CTX
    )
    assert errors == [] and isinstance(ok, GoogleRsa)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            {"headlines": ["a", "b"], "descriptions": ["x", "y"]},
            "headlines: List should have at least 3 items",
        ),
        (
            {"headlines": [f"h{i}" for i in range(16)], "descriptions": ["x", "y"]},
            "headlines: List should have at most 15",
        ),
        (
            {"headlines": ["a", "b", "c"], "descriptions": ["x"]},
            "descriptions: List should have at least 2 items",
        ),
        (
            {"headlines": ["a", "b", "c"], "descriptions": ["x"] * 5},
            "descriptions: List should have at most 4",
        ),
        ({"headlines": ["a", "b", "c"], "descriptions": ["x" * 91, "y"]}, "descriptions.0: 'xxxx"),
        ({"headlines": ["a", "b", "c"], "descriptions": ["x", "y"], "path1": "p" * 16}, "path1: 'pppp"),
        ({"headlines": ["Same", "b", "same "], "descriptions": ["x", "y"]}, "headlines contain 'same' twice"),
        ({"headlines": ["a", "b", "c"], "descriptions": ["x", "y"], "path2": "p"}, "path2 needs path1"),
        ({"headlines": ["a", "b", "   "], "descriptions": ["x", "y"]}, "headlines.2: must not be empty"),
        (
            {"headlines": ["a", "b", "c"], "descriptions": ["x", "y"], "extra": 1},
            "extra: Extra inputs are not permitted",
        ),
    ],
)
def test_google_rsa_limits(data: dict[str, object], problem: str) -> None:
    copy, errors = validate_copy("google", data, CTX)
    assert copy is None
    assert any(e.startswith(problem) for e in errors), errors


def test_meta_limits_with_a_configurable_primary_text_cap() -> None:
    base = {"primary_text": "p" * 200, "headline": "h" * 40, "description": "d" * 30}
    copy, errors = validate_copy("meta", base, CTX)
    assert errors == [] and copy is not None
    assert copy_warnings("meta", base, 125) == ["primary_text is 200 characters; Meta recommends at most 125"]
    _, errors = validate_copy("meta", {**base, "primary_text": "p" * 201}, CTX)
    assert errors and errors[0].startswith("primary_text:") and errors[0].endswith("the limit is 200")
    _, errors = validate_copy("meta", {**base, "headline": "h" * 41}, CTX)
    assert errors[0].startswith("headline:") and errors[0].endswith("the limit is 40")
    _, errors = validate_copy("meta", {**base, "description": "d" * 31}, CTX)
    assert errors[0].startswith("description:") and errors[0].endswith("the limit is 30")
    _, errors = validate_copy("meta", {**base, "description": "Fresh beans", "headline": "fresh  beans"}, CTX)
    assert any("twice" in e for e in errors)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("a" * 11, False),
        ("a" * 12, True),
        ("a" * 100, True),
        ("a" * 101, False),
        ("咖" * 6, True),  # 6 wide = 12
        ("咖" * 50, True),  # 50 wide = 100
        ("咖" * 51, False),  # 51 wide = 102
    ],
)
def test_tiktok_ad_text_is_12_to_100_with_wide_as_two(text: str, ok: bool) -> None:
    copy, errors = validate_copy("tiktok", {"ad_text": text}, CTX)
    assert (copy is not None) is ok, errors


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Results guaranteed!", ["guaranteed"]),
        ("GUARANTEED results", ["guaranteed"]),
        ("Unguaranteed", []),  # whole words only
        ("We are #1 in town", ["#1"]),
        ("#10 on the list", []),  # a term ending in a letter or digit ends at a word edge
        ("今なら無料でお届け", ["無料"]),  # CJK has no word boundaries
    ],
)
def test_banned_terms(text: str, found: list[str]) -> None:
    assert CTX.banned.found_in(text) == found


def test_banned_terms_are_refused_with_the_term_named() -> None:
    _, errors = validate_copy("tiktok", {"ad_text": "Great taste, guaranteed fresh"}, CTX)
    assert errors == ["ad_text: 'Great taste, guaranteed fresh' uses banned wording: guaranteed"]


def test_lines_are_cleaned_before_counting() -> None:
    copy, errors = validate_copy("tiktok", {"ad_text": "  Fresh   coffee\nevery week  "}, CTX)
    assert errors == [] and copy is not None
    assert copy.model_dump() == {"ad_text": "Fresh coffee every week"}

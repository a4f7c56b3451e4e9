"""Character counting the way each platform counts, and the line clean-up every rule check starts from.

Google Ads and TikTok count an East Asian wide or fullwidth character (CJK ideographs, kana, hangul,
fullwidth forms: ``east_asian_width`` W or F) as two characters against their limits; Meta counts code
points. Text is NFC-normalised first so a decomposed "é" counts once, as the platforms see it."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Any

from adpilot_common.text_width import char_width, display_width

_SPACES = re.compile(r"\s+")


class Counting(StrEnum):
    WIDE_AS_TWO = "wide_as_two"  # Google, TikTok
    CODE_POINTS = "code_points"  # Meta


def clean_line(text: str) -> str:
    """NFC, whitespace runs collapsed to one space, trimmed (copy lines never carry newlines or tabs)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def clean_value(value: Any) -> Any:
    """:func:`clean_line` for a pydantic ``BeforeValidator`` (other types fail the field's own validation)."""
    return clean_line(value) if isinstance(value, str) else value


def text_length(text: str, counting: Counting) -> int:
    if counting is Counting.CODE_POINTS:
        return len(unicodedata.normalize("NFC", text))
    return display_width(text)


# Where a shortened line may end best: before a dash, bar, colon, comma or full stop between two phrases.
_PHRASE_BREAK = re.compile(r"\s+[-\u2013\u2014|]\s+|[:;,.]\s+")


def fit(text: str, limit: int, counting: Counting) -> str:
    """``text`` shortened to ``limit``: at the end of its last whole phrase when that keeps at least half of
    the limit ("Plumbing 24/7 — Zürich & São Paulo" -> "Plumbing 24/7", not "… Zürich & São"), else at the
    last word boundary that fits (so Latin copy never ends mid-word), else character by character (CJK has
    no spaces)."""
    text = clean_line(text)
    if text_length(text, counting) <= limit:
        return text
    cut, used = 0, 0
    for i, ch in enumerate(text):
        w = 1 if counting is Counting.CODE_POINTS else char_width(ch)
        if used + w > limit:
            break
        used += w
        cut = i + 1
    head = text[:cut]
    if cut < len(text) and text[cut] != " " and " " in head:
        head = head[: head.rindex(" ")]
    phrases = [m.start() for m in _PHRASE_BREAK.finditer(head + " ")]
    if phrases and text_length(head[: phrases[-1]], counting) * 2 >= limit:
        head = head[: phrases[-1]]
    return head.rstrip(" ,;:-\u2013\u2014")  # no dangling separators or dashes

"""Ad copy length as Google Ads and TikTok count it: an East Asian wide or fullwidth character (CJK
ideographs, kana, hangul, fullwidth forms: ``east_asian_width`` W or F) counts as two. Text is NFC-normalised
first, so a decomposed "é" counts once. Shared by ai-copy (which writes copy) and connectors (which checks it
before sending)."""

from __future__ import annotations

import unicodedata


def char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in unicodedata.normalize("NFC", text))

"""Ad copy checks shared by ai-copy (which writes copy) and connectors (which checks it before sending), so copy
one accepts the other never refuses.

Length as Google Ads and TikTok count it: an East Asian wide or fullwidth character (CJK ideographs, kana,
hangul, fullwidth forms: ``east_asian_width`` W or F) counts as two. Text is NFC-normalised first, so a
decomposed "é" counts once.

Symbols: Google Ads' editorial policy refuses emoji and symbols used as decoration (★, ✓, ☎); the standard
typographic signs (© ® ™ ℠ ° №) are fine."""

from __future__ import annotations

import unicodedata


def char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in unicodedata.normalize("NFC", text))


_TYPOGRAPHIC = frozenset("©®™℠°№")
# Emoji outside "So": the parts of emoji sequences (zero-width joiner, variation selectors, the keycap; skin
# tones and tags below) and the two emoji punctuation marks ‼ ⁉.
_EMOJI_PARTS = frozenset({0x200D, 0xFE0E, 0xFE0F, 0x20E3, 0x203C, 0x2049})


def _decorative(ch: str) -> bool:
    if ch in _TYPOGRAPHIC:
        return False
    cp = ord(ch)
    return (
        unicodedata.category(ch) == "So"  # pictographs, dingbats, regional indicators, most emoji
        or cp in _EMOJI_PARTS
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
    )


def decorative_symbols(text: str) -> list[str]:
    """The emoji and decorative symbols in ``text`` (each once, in order): what Google Ads refuses."""
    found: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if _decorative(ch) and ch not in found:
            found.append(ch)
    return found


def without_decorative_symbols(text: str) -> str:
    """``text`` with its emoji and decorative symbols removed (spacing left to the caller's clean-up)."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if not _decorative(ch))

"""Banned words and claims: an org's list plus the service default, matched case-insensitively as whole
words ("cure" does not match "secure"); an edge that is a symbol or CJK matches anywhere ("#1", "無料")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from adpilot_ai_copy.rules.text import clean_line
from adpilot_common.text_width import char_width


def _bounded(ch: str) -> bool:
    """Whether a term edge at ``ch`` must be a word edge: letters and digits of scripts written with spaces
    (CJK is written without them, so a CJK term matches inside a sentence)."""
    return ch.isalnum() and char_width(ch) == 1


@lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern[str]:
    left = r"(?<!\w)" if _bounded(term[0]) else ""
    right = r"(?!\w)" if _bounded(term[-1]) else ""
    return re.compile(left + re.escape(term) + right, re.IGNORECASE)


@dataclass(frozen=True)
class BannedTerms:
    terms: tuple[str, ...] = ()

    @classmethod
    def of(cls, *lists: Iterable[str]) -> BannedTerms:
        seen: dict[str, str] = {}
        for terms in lists:
            for term in terms:
                cleaned = clean_line(term)
                if cleaned:
                    seen.setdefault(cleaned.casefold(), cleaned)
        return cls(tuple(seen.values()))

    def found_in(self, text: str) -> list[str]:
        return [term for term in self.terms if _pattern(term).search(text)]

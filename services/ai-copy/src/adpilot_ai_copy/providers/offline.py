"""The offline generator: deterministic template copy, no network, no cost. Used when no LLM provider is
configured (the default, so ``make run`` works without keys) and labelled ``provider: "offline"``.

It writes candidates from the brief, fits every line to the platform's limit (counted the platform's way),
drops lines with banned terms and duplicates, and rotates through the candidates so variants differ. Its
answer goes through the same validation as an LLM's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from adpilot_ai_copy.brief import CopyBrief
from adpilot_ai_copy.providers.base import OFFLINE, Completion, CopyTask, Message
from adpilot_ai_copy.rules.platforms import LIMITS, RuleContext
from adpilot_ai_copy.rules.text import clean_line, fit, text_length
from adpilot_common.text_width import without_decorative_symbols

_LOUD_TONES = {"bold", "playful", "energetic", "excited", "fun", "urgent"}
GOOGLE_HEADLINES_PER_VARIANT = 8
GOOGLE_DESCRIPTIONS_PER_VARIANT = 3
MIN_CANDIDATES = 4  # enough for Google's minimum counts and for a regenerated line to differ


class OfflineProvider:
    name = OFFLINE
    offline = True

    async def complete(self, messages: list[Message], task: CopyTask) -> Completion:
        if task.kind == "variants":
            payload: dict[str, Any] = {"variants": [_variant(task, i) for i in range(task.variants)]}
        else:
            payload = {"value": _field_value(task)}
        return Completion(content=json.dumps(payload, ensure_ascii=False), provider=OFFLINE, offline=True)


def _variant(task: CopyTask, i: int) -> dict[str, Any]:
    """Variant ``i``: consecutive starting points in every pool, so variants differ while pools last."""
    pools = _pools(task.brief, task.rules, task.variants)
    start = task.seed * task.variants + i
    if task.platform == "google":
        return {
            "headlines": _rotate(pools["headlines"], start, GOOGLE_HEADLINES_PER_VARIANT),
            "descriptions": _rotate(pools["descriptions"], start, GOOGLE_DESCRIPTIONS_PER_VARIANT),
            "path1": pools["path1"][0],
            "path2": _rotate(pools["path2"], start, 1)[0],
        }
    if task.platform == "meta":
        headline = _rotate(pools["headline"], start, 1)[0]
        description = next(d for d in _rotate(pools["description"], start, 2) if d != headline)
        return {"primary_text": _rotate(pools["primary_text"], start, 1)[0], "headline": headline,
                "description": description}  # fmt: skip
    return {"ad_text": _rotate(pools["ad_text"], start, 1)[0]}


def _field_value(task: CopyTask) -> str | list[str]:
    """A new value for one field that differs from what the variant has now."""
    assert task.target is not None
    current = task.current or {}
    pool = _pools(task.brief, task.rules)[task.target]
    taken = {str(v).casefold() for v in current.values() if isinstance(v, str)}
    for value in current.values():
        if isinstance(value, list):
            taken |= {str(v).casefold() for v in value}
    fresh = [line for line in pool if line.casefold() not in taken] or pool
    if isinstance(current.get(task.target), list) and task.index is None:
        return _rotate(fresh, task.seed, len(current[task.target]))
    return fresh[task.seed % len(fresh)]


def _rotate(pool: list[str], start: int, count: int) -> list[str]:
    count = min(count, len(pool))
    return [pool[(start + i) % len(pool)] for i in range(count)]


def _pools(brief: CopyBrief, rules: RuleContext, count: int = 1) -> dict[str, list[str]]:
    """Every field's candidate lines, fitted, checked and distinct. Only the brief's own words (product,
    offer, keywords) are shortened to fit; a template line that does not fit whole is left out."""
    p, a, o = brief.product, brief.audience, brief.offer
    end = "!" if brief.tone.casefold() in _LOUD_TONES else "."
    keywords = list(brief.keywords)
    offer = f" {o}{end}" if o else ""
    core = {p, o or "", *keywords}
    openers = [
        f"{p} for {a}.",
        f"Meet {p}, made for {a}{end}",
        f"Discover {p}{end}",
        f"{p}: the {brief.tone} pick.",
    ]
    closers = [offer.strip(), f"Made for {a}.", f"See what is new{end}", f"Order online in minutes{end}"]
    raw: dict[str, list[str]] = {
        "headlines": [p, o or "", *keywords, f"{p} for {a}", f"Discover {p}", f"Try {p} Today", f"Shop {p} Now",
                      f"New: {p}", f"Made for {a}", f"{p} Online", "Order Online Today", "See What's New",
                      "Easy Online Ordering", "Find Out More", "Start Your Order", "Browse the Range",
                      "Delivered to Your Door"],
        "descriptions": [f"{p} for {a}.{offer}", f"Discover {p}, made for {a}{end}",
                         f"{o or 'See what is new'}. Order {p} online{end}",
                         f"{_article(brief.tone)} {brief.tone} take on {p}{end}",
                         f"Made for {a}. Find out more and order online{end}",
                         "Order online in minutes and see the whole range.", "Browse the range and order online."],
        "path1": [_slug(p), "offers", "shop"],
        "path2": [_slug(k) for k in keywords] + [_slug(o or ""), "new", "range", "more", "order"],
        "headline": [p, f"{p} for {a}", f"Discover {p}", f"Try {p} today", f"{p}: made for {a}",
                     "See what is new", "Made for you", "Browse the range", "Order online"],
        "description": [o or "", "Order online", "Find out more", "See what's new", "Browse the range",
                        "Start your order"],
        "primary_text": [*[f"{opener}{' ' + closer if closer else ''}" for opener in openers for closer in closers], p, o or ""],
        "ad_text": [*[f"{opener}{' ' + closer if closer else ''}" for closer in closers for opener in openers], p, o or ""],
    }  # fmt: skip
    return {name: _usable(lines, name, rules, core, count) for name, lines in raw.items()}


def _usable(lines: Iterable[str], name: str, rules: RuleContext, core: set[str], count: int) -> list[str]:
    rule = LIMITS[name]
    # Where the platform refuses emoji and symbols (Google), the brief's are left out, not the whole line.
    plain = _without_symbols if rule.no_symbols else clean_line
    core = {plain(c) for c in core}
    out: list[str] = []
    for line in map(plain, lines):
        fitted = fit(line, rule.maximum, rule.counting)
        if fitted != line and line not in core:
            continue  # a cut template line reads badly: "Discover" instead of "Discover <product>"
        fresh = fitted.casefold() not in {o.casefold() for o in out}
        if text_length(fitted, rule.counting) >= rule.minimum and fresh and not rules.banned.found_in(fitted):
            out.append(fitted)
    # Numbered lines only where banned terms or unusual input left too few candidates for the variants.
    filler = "Option {}" if rule.minimum <= 8 else "See option {} for yourself"
    n = 1
    while len(out) < max(MIN_CANDIDATES, count):
        out.append(filler.format(n))
        n += 1
    return out


# Words that start with a vowel letter but a consonant sound ("a unique"), and the reverse ("an honest").
_A_BEFORE = ("uni", "use", "usu", "uti", "eu", "one", "once")
_AN_BEFORE = ("hon", "hour", "heir")


def _article(word: str) -> str:
    """ "A" or "An" before ``word``, by its first sound as far as its spelling tells."""
    w = word.casefold()
    vowel = w[:1] in set("aeiou") and not w.startswith(_A_BEFORE)
    return "An" if vowel or w.startswith(_AN_BEFORE) else "A"


def _without_symbols(line: str) -> str:
    """``line`` without emoji and decorative symbols, and without the gaps they leave ("Paulo 🚰, made" ->
    "Paulo, made")."""
    return _GAP_BEFORE_PUNCTUATION.sub(r"\1", clean_line(without_decorative_symbols(line)))


_GAP_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?])")


def _slug(text: str) -> str:
    """A display-path segment: the first word, letters and digits only (any script)."""
    words = re.findall(r"\w+", text)
    return fit(words[0], LIMITS["path1"].maximum, LIMITS["path1"].counting) if words else ""

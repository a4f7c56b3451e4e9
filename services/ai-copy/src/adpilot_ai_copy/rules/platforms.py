"""The copy each platform takes, as pydantic models that enforce its limits in code (never trusted to a model).

Validate with :func:`validate_copy` (or ``Model.model_validate(data, context=RuleContext(...))``): every line
is cleaned (NFC, single spaces), measured the platform's way (:mod:`.text`), checked against the org's banned
terms, and lists are checked for duplicates. The messages are written to be read by a person *and* fed back
to a language model when its answer is re-asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from adpilot_ai_copy.rules.banned import BannedTerms
from adpilot_ai_copy.rules.text import Counting, clean_value, text_length
from adpilot_common.events.contracts.copy import CopyPlatform
from adpilot_common.text_width import decorative_symbols

PLATFORMS: tuple[CopyPlatform, ...] = get_args(CopyPlatform)
NO_BANNED_TERMS = BannedTerms()


@dataclass(frozen=True)
class RuleContext:
    """What varies per org and deployment: banned terms and Meta's configurable primary-text cap."""

    banned: BannedTerms = NO_BANNED_TERMS
    meta_primary_text_max: int = 500


@dataclass(frozen=True)
class FieldLimit:
    """One line's length limit, counted the platform's way."""

    maximum: int
    counting: Counting
    minimum: int = 1
    # Why emoji and decorative symbols are refused in this field; None: they are allowed.
    no_symbols: str | None = None


_WIDE, _POINTS = Counting.WIDE_AS_TWO, Counting.CODE_POINTS
_GOOGLE_EDITORIAL = "Google Ads' editorial policy refuses emoji and decorative symbols"
# Every line field of every platform (field names do not collide across platforms). Meta's primary text holds
# its *recommended* length here; its hard cap is per deployment (RuleContext.meta_primary_text_max).
LIMITS: dict[str, FieldLimit] = {
    "headlines": FieldLimit(30, _WIDE, no_symbols=_GOOGLE_EDITORIAL),
    "descriptions": FieldLimit(90, _WIDE, no_symbols=_GOOGLE_EDITORIAL),
    "path1": FieldLimit(15, _WIDE, no_symbols=_GOOGLE_EDITORIAL),
    "path2": FieldLimit(15, _WIDE, no_symbols=_GOOGLE_EDITORIAL),
    "primary_text": FieldLimit(125, _POINTS),
    "headline": FieldLimit(40, _POINTS),
    "description": FieldLimit(30, _POINTS),
    "ad_text": FieldLimit(100, _WIDE, minimum=12),
}
GOOGLE_HEADLINES = (3, 15)  # how many per responsive search ad
GOOGLE_DESCRIPTIONS = (2, 4)


def _rule_error(message: str, **values: Any) -> PydanticCustomError:
    return PydanticCustomError("copy_rule", message, values)


def _line(field: str) -> Callable[[str, ValidationInfo], str]:
    """A validator of one line: not empty, within the platform's length (counted its way), no emoji where the
    platform refuses them, no banned term."""
    rule = LIMITS[field]

    def check(value: str, info: ValidationInfo) -> str:
        ctx = info.context if isinstance(info.context, RuleContext) else RuleContext()
        limit = ctx.meta_primary_text_max if field == "primary_text" else rule.maximum
        length = text_length(value, rule.counting)
        wide = " (wide characters count as 2)" if rule.counting is Counting.WIDE_AS_TWO else ""
        if length == 0:
            raise _rule_error("must not be empty")
        if length > limit:
            raise _rule_error(
                "{text} is {length} characters{wide}; the limit is {limit}",
                text=repr(value),
                length=length,
                wide=wide,
                limit=limit,
            )
        if length < rule.minimum:
            raise _rule_error(
                "{text} is {length} characters{wide}; at least {minimum} are needed",
                text=repr(value),
                length=length,
                wide=wide,
                minimum=rule.minimum,
            )
        symbols = decorative_symbols(value) if rule.no_symbols else []
        if symbols:
            raise _rule_error(
                "{text} contains {symbols}; {reason}",
                text=repr(value),
                symbols=" ".join(symbols),
                reason=rule.no_symbols,
            )
        banned = ctx.banned.found_in(value)
        if banned:
            raise _rule_error(
                "{text} uses banned wording: {terms}", text=repr(value), terms=", ".join(banned)
            )
        return value

    return check


_Clean = BeforeValidator(clean_value)
GoogleHeadline = Annotated[str, _Clean, AfterValidator(_line("headlines"))]
GoogleDescription = Annotated[str, _Clean, AfterValidator(_line("descriptions"))]
GooglePath1 = Annotated[str, _Clean, AfterValidator(_line("path1"))]
GooglePath2 = Annotated[str, _Clean, AfterValidator(_line("path2"))]
MetaPrimaryText = Annotated[str, _Clean, AfterValidator(_line("primary_text"))]
MetaHeadline = Annotated[str, _Clean, AfterValidator(_line("headline"))]
MetaDescription = Annotated[str, _Clean, AfterValidator(_line("description"))]
TikTokText = Annotated[str, _Clean, AfterValidator(_line("ad_text"))]


def _no_duplicates(lines: list[str], what: str) -> None:
    seen: set[str] = set()
    for line in lines:
        key = line.casefold()
        if key in seen:
            raise _rule_error(
                "{what} contain {line} twice; every line must be different", what=what, line=repr(line)
            )
        seen.add(key)


class GoogleRsa(BaseModel):
    """A Google responsive search ad: 3-15 headlines of at most 30, 2-4 descriptions of at most 90, paths 15;
    no emoji or decorative symbols anywhere (editorial policy)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    headlines: list[GoogleHeadline] = Field(min_length=GOOGLE_HEADLINES[0], max_length=GOOGLE_HEADLINES[1])
    descriptions: list[GoogleDescription] = Field(
        min_length=GOOGLE_DESCRIPTIONS[0], max_length=GOOGLE_DESCRIPTIONS[1]
    )
    path1: GooglePath1 | None = None
    path2: GooglePath2 | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        _no_duplicates(self.headlines, "headlines")
        _no_duplicates(self.descriptions, "descriptions")
        if self.path2 and not self.path1:
            raise _rule_error("path2 needs path1")
        return self


class MetaAd(BaseModel):
    """A Meta link ad: primary text (125 recommended; hard cap per deployment), headline 40, description 30."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    primary_text: MetaPrimaryText
    headline: MetaHeadline
    description: MetaDescription

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        _no_duplicates(
            [self.primary_text, self.headline, self.description], "the primary text, headline and description"
        )
        return self


class TikTokAd(BaseModel):
    """A TikTok ad text: 12-100 characters (wide characters count as 2)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ad_text: TikTokText


PlatformCopy = GoogleRsa | MetaAd | TikTokAd
MODELS: dict[str, type[PlatformCopy]] = {"google": GoogleRsa, "meta": MetaAd, "tiktok": TikTokAd}


def describe_errors(exc: ValidationError, prefix: str = "") -> list[str]:
    """``headlines.3: 'Free shipping on every order' is 34 characters ...``: one line per problem."""
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        msg = err["msg"].removeprefix("Value error, ")
        out.append(f"{loc}: {msg}" if loc else msg)
    return out


def validate_copy(
    platform: str, data: Any, ctx: RuleContext, where: str = ""
) -> tuple[PlatformCopy | None, list[str]]:
    """The validated copy, or None and the list of problems."""
    try:
        return MODELS[platform].model_validate(data, context=ctx), []
    except ValidationError as exc:
        return None, describe_errors(exc, where)


def copy_fields(copy: PlatformCopy) -> dict[str, str | list[str] | None]:
    return copy.model_dump(mode="json")


def copy_warnings(platform: str, fields: dict[str, Any], meta_recommended: int) -> list[str]:
    """Soft limits: allowed, but worth telling the person approving the copy."""
    text = fields.get("primary_text")
    if platform == "meta" and isinstance(text, str) and len(text) > meta_recommended:
        return [f"primary_text is {len(text)} characters; Meta recommends at most {meta_recommended}"]
    return []

"""Everything a write job can be checked for before anything is written: the shape of each operation, its
references to earlier operations, and the platform's rules the normalised model can see (responsive search ad
limits, TikTok's ad text, the identity and media Meta and TikTok need). Every bad operation is reported with
its index; the platforms still have the last word on what only they know (names taken, policies, parents)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from adpilot_common.text_width import decorative_symbols
from adpilot_connectors.config import Settings
from adpilot_connectors.platforms.base import NewAd, Platform
from adpilot_connectors.platforms.meta.mapping import ad_creative_problems
from adpilot_connectors.platforms.tiktok import ad_copy_problems, ad_group_targeting
from adpilot_connectors.writes.schemas import (
    CREATE_OPS,
    REF_TARGETS,
    CreateAd,
    CreateAdGroup,
    Operation,
    SetStatus,
)

_ADAPTER: TypeAdapter[Operation] = TypeAdapter(Operation)
_RSA_PLATFORMS = frozenset({Platform.GOOGLE, Platform.SANDBOX})  # the sandbox mimics Google's ad format


@dataclass(frozen=True)
class BadOperation:
    index: int
    op: str | None
    problems: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "op": self.op, "problems": self.problems}


def parse_operations(
    raw: list[dict[str, Any]], platform: Platform, settings: Settings
) -> tuple[list[Operation], list[BadOperation]]:
    """The typed operations, or the problems of every bad one (then the list of operations is incomplete)."""
    parsed: list[Operation | None] = []
    bad: list[BadOperation] = []
    for index, data in enumerate(raw):
        op_name = data.get("op") if isinstance(data.get("op"), str) else None
        try:
            operation = _ADAPTER.validate_python(data)
        except ValidationError as exc:
            parsed.append(None)
            bad.append(BadOperation(index, op_name, [_describe(e) for e in exc.errors()]))
            continue
        parsed.append(operation)
        problems = _reference_problems(index, operation, parsed) + platform_problems(
            operation, platform, settings
        )
        if problems:
            bad.append(BadOperation(index, operation.op, problems))
    return [op for op in parsed if op is not None], bad


def _describe(error: Any) -> str:
    # Drop the discriminator's tag ("create_ad") from the location: the operation's index already says it.
    loc = [str(part) for part in error.get("loc", ()) if part not in CREATE_OPS and part not in REF_TARGETS]
    message = str(error.get("msg", "invalid"))
    return f"{'.'.join(loc)}: {message}" if loc else message


def _reference_problems(index: int, operation: Operation, parsed: list[Operation | None]) -> list[str]:
    ref = operation.parent_ref()
    if ref is None:
        return []
    if ref >= index:
        return [f"reference {ref} must point at an earlier operation"]
    target = parsed[ref]
    if target is None:
        return [f"reference {ref} points at an invalid operation"]
    allowed = REF_TARGETS[operation.op]
    if target.op not in allowed:
        return [f"reference {ref} is a {target.op}; expected {' or '.join(sorted(allowed))}"]
    if isinstance(operation, SetStatus) and CREATE_OPS[target.op] != operation.level:
        expected = next(op for op, level in CREATE_OPS.items() if level == operation.level)
        return [f"reference {ref} is a {target.op}; expected {expected} for level {operation.level.value}"]
    return []


def platform_problems(operation: Operation, platform: Platform, settings: Settings) -> list[str]:
    """The platform's rules for one operation, as far as they can be checked without asking the platform."""
    if isinstance(operation, CreateAdGroup):
        return _ad_group_problems(operation, platform)
    if isinstance(operation, CreateAd):
        return _ad_problems(operation, platform, settings)
    return []


def _ad_group_problems(operation: CreateAdGroup, platform: Platform) -> list[str]:
    item = operation.to_new("0")
    if platform is Platform.GOOGLE:
        from adpilot_connectors.platforms.google_ads.client import ad_group_targeting_problems  # SDK: lazily

        return ad_group_targeting_problems(item)
    if platform is Platform.META and item.location_ids:
        return ["Meta ad sets are targeted by countries here; location_ids are not supported"]
    if platform is Platform.TIKTOK:
        return ad_group_targeting(item)[1]  # TikTok has no default location: the item must name one
    return []


def _ad_problems(operation: CreateAd, platform: Platform, settings: Settings) -> list[str]:
    item = operation.to_new("0")
    if platform in _RSA_PLATFORMS:
        from adpilot_connectors.platforms.google_ads.client import rsa_copy_problems  # SDK: lazily

        return rsa_copy_problems(item) + _symbol_problems(item)
    if platform is Platform.META:
        problems = ad_creative_problems(item)
        if not (item.identity_id or settings.meta.page_id):
            problems.append("a Meta ad needs identity_id (the Facebook Page); none is configured for the app")
        return problems
    problems = ad_copy_problems(item)
    if not (item.identity_id or settings.tiktok.identity_id):
        problems.append("a TikTok ad needs identity_id; none is configured for the app")
    if not (item.video_id or item.image_id):
        problems.append("a TikTok ad needs video_id or image_id")
    return problems


def _symbol_problems(item: NewAd) -> list[str]:
    """Google Ads' editorial policy refuses emoji and decorative symbols: the rule ai-copy writes its copy by
    (adpilot_common.text_width), so copy it accepted is never refused here."""
    lines: list[tuple[str, int | None, str]] = [("headline", n, t) for n, t in enumerate(item.headlines, 1)]
    lines += [("description", n, t) for n, t in enumerate(item.descriptions, 1)]
    lines += [(label, None, t) for label, t in (("path1", item.path1), ("path2", item.path2)) if t]
    problems = []
    for what, n, text in lines:
        symbols = decorative_symbols(text)
        if symbols:
            name = f"{what} {n}" if n else what
            problems.append(
                f"{name} contains {' '.join(symbols)}; Google Ads refuses emoji and decorative symbols"
            )
    return problems


def load_operation(payload: dict[str, Any]) -> Operation:
    """A stored item's operation (it was validated when the job was created)."""
    return _ADAPTER.validate_python(payload)

"""Meta ↔ normalised records: money units, statuses, ids, and the insight row → ``DailyMetric`` mapping.

Meta sends budgets as integers in the account currency's *minor units* with a per-currency offset (100 for
most currencies, 1 for the zero-decimal ones in Meta's currency table), and spend / action values as decimal
strings in major units. Everything is converted with ``Decimal``/integer arithmetic, never floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from adpilot_connectors.platforms.base import (
    Ad,
    AdAccount,
    AdGroup,
    Campaign,
    DailyMetric,
    InvalidRequest,
    NewAd,
    Status,
)

MICROS_PER_UNIT = 1_000_000

# developers.facebook.com "Currency codes": currencies whose Offset is 1 (all others are 100).
OFFSET_1_CURRENCIES = frozenset({"CLP", "COP", "CRC", "HUF", "IDR", "ISK", "JPY", "KRW", "PYG", "TWD", "VND"})

_STATUS_FROM_META = {
    "ACTIVE": Status.ENABLED,
    "PAUSED": Status.PAUSED,
    "DELETED": Status.REMOVED,
    "ARCHIVED": Status.REMOVED,
}
STATUS_TO_META = {Status.ENABLED: "ACTIVE", Status.PAUSED: "PAUSED", Status.REMOVED: "DELETED"}

# AdAccount.account_status: 1 ACTIVE, 2 DISABLED, 3 UNSETTLED, 7 PENDING_RISK_REVIEW, 8 PENDING_SETTLEMENT,
# 9 IN_GRACE_PERIOD, 100 PENDING_CLOSURE, 101 CLOSED.
_ACCOUNT_STATUS = {1: Status.ENABLED, 9: Status.ENABLED, 100: Status.REMOVED, 101: Status.REMOVED}


def currency_offset(currency: str) -> int:
    return 1 if currency.upper() in OFFSET_1_CURRENCIES else 100


def minor_units_to_micros(value: Any, currency: str) -> int:
    """A Meta budget ("5000" = 50.00 EUR, or 5000 JPY) → micros."""
    return int(str(value)) * (MICROS_PER_UNIT // currency_offset(currency))


def micros_to_minor_units(micros: int, currency: str) -> int:
    """Micros → Meta budget units; refuses amounts Meta cannot represent rather than rounding money."""
    step = MICROS_PER_UNIT // currency_offset(currency)
    if micros < 0 or micros % step:
        raise InvalidRequest(
            f"{micros} micros is not a whole number of {currency} budget units (multiples of {step} micros)"
        )
    return micros // step


def amount_to_micros(value: Any) -> int:
    """A decimal amount string in major units ("12.34") → micros, exactly (half-even beyond 6 decimals)."""
    if value is None or value == "":
        return 0
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidRequest(f"Meta returned a non-numeric amount {value!r}") from exc
    return int((amount * MICROS_PER_UNIT).to_integral_value(rounding=ROUND_HALF_EVEN))


def bare_account_id(account_id: str) -> str:
    """``act_123`` or ``123`` → ``123`` (the id the normalised records carry)."""
    return account_id[4:] if account_id.startswith("act_") else account_id


def account_node(account_id: str) -> str:
    return f"act_{bare_account_id(account_id)}"


def status_from_meta(value: Any) -> Status:
    return _STATUS_FROM_META.get(str(value or "").upper(), Status.PAUSED)


def to_account(data: Mapping[str, Any]) -> AdAccount:
    raw_status = data.get("account_status")
    status = _ACCOUNT_STATUS.get(int(raw_status), Status.PAUSED) if raw_status is not None else Status.ENABLED
    external_id = str(data.get("account_id") or bare_account_id(str(data["id"])))
    return AdAccount(
        external_id=external_id,
        name=str(data.get("name") or external_id),
        currency=str(data["currency"]),
        time_zone=str(data["timezone_name"]),
        status=status,
    )


def to_campaign(data: Mapping[str, Any], account_id: str, currency: str) -> Campaign:
    budget = data.get("daily_budget")
    micros = minor_units_to_micros(budget, currency) if budget not in (None, "", "0", 0) else None
    return Campaign(
        external_id=str(data["id"]),
        account_id=account_id,
        name=str(data.get("name") or ""),
        status=status_from_meta(data.get("status")),
        objective=data.get("objective"),
        daily_budget_micros=micros,
    )


def to_ad_group(data: Mapping[str, Any], account_id: str) -> AdGroup:
    return AdGroup(
        external_id=str(data["id"]),
        account_id=account_id,
        campaign_id=str(data.get("campaign_id") or ""),
        name=str(data.get("name") or ""),
        status=status_from_meta(data.get("status")),
    )


def to_ad(data: Mapping[str, Any], account_id: str) -> Ad:
    creative = data.get("creative") or {}
    spec = creative.get("object_story_spec") or {}
    video_data = spec.get("video_data") or {}
    link_data = spec.get("link_data") or {
        "link": ((video_data.get("call_to_action") or {}).get("value") or {}).get("link"),
        "name": video_data.get("title"),
        "message": video_data.get("message"),
        "description": video_data.get("link_description"),
    }
    headline = link_data.get("name") or creative.get("title")
    texts = [link_data.get("message") or creative.get("body"), link_data.get("description")]
    return Ad(
        external_id=str(data["id"]),
        account_id=account_id,
        ad_group_id=str(data.get("adset_id") or ""),
        name=str(data.get("name") or ""),
        status=status_from_meta(data.get("status")),
        headlines=(str(headline),) if headline else (),
        descriptions=tuple(str(text) for text in texts if text),
        final_url=link_data.get("link") or creative.get("link_url"),
    )


def ad_creative(ad: NewAd, *, page_id: str) -> dict[str, Any]:
    """Inline creative spec for a link ad, or a video ad when ``video_id`` is given: headline (``name`` /
    ``title``) = first headline, primary text (``message``) = first description, link description = second
    description, if any. The call to action points at the final URL."""
    cta: dict[str, Any] | None = None
    if ad.call_to_action:
        cta = {"type": ad.call_to_action, "value": {"link": ad.final_url}}
    if ad.video_id:
        video: dict[str, Any] = {
            "video_id": ad.video_id,
            # Meta insists on a call to action with the link on video ads; LEARN_MORE is its neutral one.
            "call_to_action": cta or {"type": "LEARN_MORE", "value": {"link": ad.final_url}},
        }
        _put(video, "message", ad.descriptions[0] if ad.descriptions else None)
        _put(video, "title", ad.headlines[0] if ad.headlines else None)
        _put(video, "link_description", ad.descriptions[1] if len(ad.descriptions) > 1 else None)
        _put(video, "image_url", ad.image_url)  # the thumbnail
        _put(video, "image_hash", ad.image_id)
        return {"name": ad.name, "object_story_spec": {"page_id": page_id, "video_data": video}}
    link_data: dict[str, Any] = {"link": ad.final_url}
    _put(link_data, "message", ad.descriptions[0] if ad.descriptions else None)
    _put(link_data, "name", ad.headlines[0] if ad.headlines else None)
    _put(link_data, "description", ad.descriptions[1] if len(ad.descriptions) > 1 else None)
    _put(link_data, "picture", ad.image_url)
    _put(link_data, "image_hash", ad.image_id)
    _put(link_data, "call_to_action", cta)
    return {"name": ad.name, "object_story_spec": {"page_id": page_id, "link_data": link_data}}


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def ad_creative_problems(ad: NewAd) -> list[str]:
    problems = []
    if ad.video_id and not (ad.image_url or ad.image_id):
        problems.append("a Meta video ad needs a thumbnail: image_url or image_id")
    return problems


def ad_set_targeting(
    default: Mapping[str, Any] | None,
    *,
    countries: Sequence[str],
    location_ids: Sequence[str],
    age_min: int | None,
    age_max: int | None,
) -> dict[str, Any]:
    """The ad set's targeting: the app's default with the item's countries and ages laid over it."""
    if location_ids:
        raise InvalidRequest("Meta targets by country here; location_ids are not supported, use countries")
    targeting = dict(default or {})
    if countries:
        targeting["geo_locations"] = {"countries": list(countries)}
    if age_min is not None:
        targeting["age_min"] = age_min
    if age_max is not None:
        targeting["age_max"] = age_max
    return targeting


def pick_action(entries: Any, action_types: Sequence[str]) -> str | None:
    """The value of the first configured action type present (types are alternatives, never summed:
    ``purchase`` already includes ``offsite_conversion.fb_pixel_purchase``)."""
    by_type: dict[str, Any] = {}
    for entry in entries or ():
        if isinstance(entry, Mapping) and "action_type" in entry:
            by_type.setdefault(str(entry["action_type"]), entry.get("value"))
    for action_type in action_types:
        if action_type in by_type:
            return str(by_type[action_type])
    return None


def to_daily_metric(
    row: Mapping[str, Any], *, account_id: str, currency: str, action_types: Sequence[str]
) -> DailyMetric:
    conversions = pick_action(row.get("actions"), action_types)
    value = pick_action(row.get("action_values"), action_types)
    return DailyMetric(
        account_id=account_id,
        campaign_id=str(row.get("campaign_id") or ""),
        ad_group_id=str(row["adset_id"]) if row.get("adset_id") else None,
        ad_id=str(row["ad_id"]) if row.get("ad_id") else None,
        day=date.fromisoformat(str(row["date_start"])),
        currency=str(row.get("account_currency") or currency),
        impressions=int(row.get("impressions") or 0),
        clicks=int(row.get("clicks") or 0),
        spend_micros=amount_to_micros(row.get("spend")),
        conversions=Decimal(conversions) if conversions is not None else Decimal(0),
        conversion_value_micros=amount_to_micros(value),
    )

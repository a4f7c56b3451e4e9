"""The one small interface every ad platform client implements, and the normalised records it returns.

Money is integer micros of the account currency (Google's convention; 1.50 EUR = 1_500_000), dates are the
account's local calendar days, and every record says which account, currency and time zone it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class Platform(StrEnum):
    GOOGLE = "google"
    META = "meta"
    TIKTOK = "tiktok"
    SANDBOX = "sandbox"


class Status(StrEnum):
    ENABLED = "ENABLED"
    PAUSED = "PAUSED"
    REMOVED = "REMOVED"


class Level(StrEnum):
    CAMPAIGN = "campaign"
    AD_GROUP = "ad_group"
    AD = "ad"


@dataclass(frozen=True)
class AdAccount:
    external_id: str
    name: str
    currency: str  # ISO 4217
    time_zone: str  # IANA, e.g. "Europe/Berlin"
    status: Status = Status.ENABLED
    is_manager: bool = False


@dataclass(frozen=True)
class Campaign:
    external_id: str
    account_id: str
    name: str
    status: Status
    objective: str | None = None
    daily_budget_micros: int | None = None


@dataclass(frozen=True)
class AdGroup:
    external_id: str
    account_id: str
    campaign_id: str
    name: str
    status: Status


@dataclass(frozen=True)
class Ad:
    external_id: str
    account_id: str
    ad_group_id: str
    name: str
    status: Status
    headlines: tuple[str, ...] = ()
    descriptions: tuple[str, ...] = ()
    final_url: str | None = None


@dataclass(frozen=True)
class DailyMetric:
    """One row per (account, campaign, ad group, ad, day); ad group / ad are None for campaign-level rows."""

    account_id: str
    campaign_id: str
    ad_group_id: str | None
    ad_id: str | None
    day: date
    currency: str
    impressions: int
    clicks: int
    spend_micros: int
    conversions: Decimal
    conversion_value_micros: int


@dataclass(frozen=True)
class Credentials:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    login_customer_id: str | None = None  # Google Ads manager account acting for a client


@dataclass(frozen=True)
class NewCampaign:
    name: str
    daily_budget_micros: int
    objective: str | None = None
    status: Status = Status.PAUSED  # new campaigns are created paused unless asked otherwise


@dataclass(frozen=True)
class NewAdGroup:
    """An ad group (Meta: ad set). Targeting is optional; a platform that cannot apply a part of it at this
    level refuses the item rather than silently serving it wider than asked."""

    campaign_id: str
    name: str
    status: Status = Status.PAUSED
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2, e.g. ("DE", "AT")
    location_ids: tuple[str, ...] = ()  # the platform's own location ids (TikTok location_ids)
    age_min: int | None = None
    age_max: int | None = None


@dataclass(frozen=True)
class NewAd:
    """An ad from approved copy. Google builds a responsive search ad from the headlines and descriptions;
    Meta a link (or video) ad with its creative; TikTok a single-video or single-image ad. The media and
    identity fields are what Meta and TikTok need and Google ignores; app-wide defaults (the Facebook Page,
    the TikTok identity) come from the settings when an ad does not name its own."""

    ad_group_id: str
    name: str
    final_url: str
    headlines: tuple[str, ...]
    descriptions: tuple[str, ...]
    path1: str | None = None
    path2: str | None = None
    status: Status = Status.PAUSED
    call_to_action: str | None = None  # e.g. LEARN_MORE, SHOP_NOW (Meta and TikTok share these names)
    image_url: str | None = None  # Meta: picture of a link ad, thumbnail of a video ad
    image_id: str | None = None  # the platform's id of an uploaded image (Meta image hash, TikTok image id)
    video_id: str | None = None  # the platform's id of an uploaded video
    identity_id: str | None = None  # who publishes it: Meta Page id, TikTok identity id
    display_name: str | None = None  # TikTok: the name shown on the ad


class ErrorKind(StrEnum):
    """Why an item of a write failed, so a bulk job knows which failures are worth retrying."""

    INVALID_REQUEST = "invalid_request"  # the request itself is wrong: fix it, do not retry it
    POLICY = "policy"  # refused by the platform's ad policies
    RATE_LIMITED = "rate_limited"  # not attempted or refused before any work: retry later
    TRANSIENT = "transient"  # platform trouble; for a create the outcome may be unknown
    RECONNECT_REQUIRED = "reconnect_required"  # the link is broken: retry after the user reconnects


@dataclass(frozen=True)
class WriteResult:
    """Outcome of one item of a (possibly partially failing) bulk write."""

    index: int
    external_id: str | None = None
    error: str | None = None
    error_kind: ErrorKind | None = None  # set with ``error``; None there means INVALID_REQUEST
    retry_after_s: float | None = None  # with RATE_LIMITED: the platform's hint

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def kind(self) -> ErrorKind | None:
        """The failure's kind (None when the item succeeded)."""
        if self.error is None:
            return None
        return self.error_kind or ErrorKind.INVALID_REQUEST

    @classmethod
    def failed(cls, index: int, exc: PlatformError, *, prefix: str = "") -> WriteResult:
        """The result of an item the platform (or the client's own checks) refused with ``exc``."""
        return cls(
            index=index,
            error=f"{prefix}{exc}",
            error_kind=error_kind_of(exc),
            retry_after_s=exc.retry_after_s if isinstance(exc, RateLimited) else None,
        )


class PlatformError(Exception):
    """Base of every error a client raises; the message never contains tokens."""


class RateLimited(PlatformError):
    """Back off: retry after ``retry_after_s``; ``scope`` says what is exhausted (app, account, developer token)."""

    def __init__(self, message: str, *, retry_after_s: float, scope: str = "account") -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.scope = scope


class ReconnectRequired(PlatformError):
    """The token is expired beyond refresh, revoked or lacks permission: the user must link the account again."""


class TransientPlatformError(PlatformError):
    """Worth retrying with back-off (5xx, timeouts, temporary platform errors)."""


class InvalidRequest(PlatformError):
    """The platform refused the request itself (bad field, policy); retrying the same request cannot help."""


class PolicyViolation(InvalidRequest):
    """The platform refused the content under its advertising policies (a kind of invalid request)."""


_POLICY_TEXT = re.compile(r"(?i)\bpolic(y|ies)\b")


def mentions_policy(message: str) -> bool:
    """Meta and TikTok refuse ad-policy violations with generic parameter-error codes (subcodes vary by
    check); the message naming the policy is the only stable signal."""
    return bool(_POLICY_TEXT.search(message))


def error_kind_of(exc: PlatformError) -> ErrorKind:
    if isinstance(exc, RateLimited):
        return ErrorKind.RATE_LIMITED
    if isinstance(exc, ReconnectRequired):
        return ErrorKind.RECONNECT_REQUIRED
    if isinstance(exc, TransientPlatformError):
        return ErrorKind.TRANSIENT
    if isinstance(exc, PolicyViolation):
        return ErrorKind.POLICY
    return ErrorKind.INVALID_REQUEST


class AdPlatformClient(Protocol):
    platform: Platform

    async def list_accounts(self) -> list[AdAccount]: ...

    async def list_campaigns(self, account_id: str) -> list[Campaign]: ...

    async def list_ad_groups(self, account_id: str) -> list[AdGroup]: ...

    async def list_ads(self, account_id: str) -> list[Ad]: ...

    def fetch_daily_metrics(
        self, account_id: str, start: date, end: date
    ) -> AsyncIterator[list[DailyMetric]]:
        """Daily rows for ``start``..``end`` inclusive, yielded in batches (the caller publishes each batch)."""
        ...

    async def create_campaigns(
        self, account_id: str, items: Sequence[NewCampaign], *, validate_only: bool = False
    ) -> list[WriteResult]: ...

    async def create_ad_groups(
        self, account_id: str, items: Sequence[NewAdGroup], *, validate_only: bool = False
    ) -> list[WriteResult]: ...

    async def create_ads(
        self, account_id: str, items: Sequence[NewAd], *, validate_only: bool = False
    ) -> list[WriteResult]: ...

    async def set_status(self, account_id: str, level: Level, external_id: str, status: Status) -> None: ...

    async def set_daily_budget(self, account_id: str, campaign_id: str, daily_budget_micros: int) -> None: ...

"""The one small interface every ad platform client implements, and the normalised records it returns.

Money is integer micros of the account currency (Google's convention; 1.50 EUR = 1_500_000), dates are the
account's local calendar days, and every record says which account, currency and time zone it belongs to.
"""

from __future__ import annotations

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
    campaign_id: str
    name: str
    status: Status = Status.PAUSED


@dataclass(frozen=True)
class NewAd:
    ad_group_id: str
    name: str
    final_url: str
    headlines: tuple[str, ...]
    descriptions: tuple[str, ...]
    path1: str | None = None
    path2: str | None = None
    status: Status = Status.PAUSED


@dataclass(frozen=True)
class WriteResult:
    """Outcome of one item of a (possibly partially failing) bulk write."""

    index: int
    external_id: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


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

"""``SandboxPlatform``: a complete, credential-free :class:`AdPlatformClient` over seeded in-memory data.

It is the default platform of ``make run`` and the test double for sync and publish logic:

* reads are deterministic for a seed (see ``model.py`` for how the numbers are made);
* ``today`` can be pinned (tests) or follow each account's local clock (``today=None``, the product);
* recent days are restated: conversions/value for the last ``restatement_days`` days grow as ``today`` advances,
  spend/clicks/impressions are final once the day is over;
* writes validate like the real platforms (RSA limits, budgets in whole cents, unknown parents, targeting),
  refuse ad copy making claims listed in :data:`POLICY_TERMS` as policy violations, support ``validate_only``
  and partial failure, create items PAUSED by default, and change metrics from ``today`` on;
* :meth:`SandboxPlatform.fail_next` makes the next call(s) raise the errors a real client raises.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..base import (
    Ad,
    AdAccount,
    AdGroup,
    Campaign,
    DailyMetric,
    ErrorKind,
    InvalidRequest,
    Level,
    NewAd,
    NewAdGroup,
    NewCampaign,
    Platform,
    PlatformError,
    RateLimited,
    ReconnectRequired,
    Status,
    TransientPlatformError,
    WriteResult,
)
from .catalog import OBJECTIVES
from .model import (
    DESCRIPTION_MAX,
    HEADLINE_MAX,
    AccountState,
    AdGroupState,
    AdState,
    CampaignState,
    current,
    generate_account,
    log_set,
    metric_batches,
    new_ad_group_state,
    new_ad_state,
    new_campaign_state,
)

if TYPE_CHECKING:
    from ..base import AdPlatformClient

FailureKind = Literal["rate_limited", "transient", "reconnect"]

METHODS = frozenset(
    {
        "list_accounts",
        "list_campaigns",
        "list_ad_groups",
        "list_ads",
        "fetch_daily_metrics",
        "create_campaigns",
        "create_ad_groups",
        "create_ads",
        "set_status",
        "set_daily_budget",
    }
)

PINNED_TODAY_FRACTION = 0.5  # with a pinned ``today``, the current day is reported as half delivered
MAX_NAME = 255
MAX_PATH = 15
BUDGET_STEP_MICROS = 10_000  # budgets are whole cents (Google rejects other amounts)
HEADLINES_RANGE = (3, 15)
DESCRIPTIONS_RANGE = (2, 4)
AGE_RANGE = (13, 65)
# Claims the simulated ad review refuses (as Google's and Meta's policies refuse unsubstantiated promises).
POLICY_TERMS = ("miracle", "risk-free", "get rich quick")


@dataclass(frozen=True)
class SandboxAccountProfile:
    """What the generator chose for an account (for tests, demos and the UI's "sandbox" badge)."""

    account_id: str
    vertical: str
    vertical_label: str
    market: str
    created_on: date
    weekday_profile: tuple[float, ...]  # Monday..Sunday delivery multipliers

    @property
    def weekend_to_weekday_ratio(self) -> float:
        w = self.weekday_profile
        return (sum(w[5:]) / 2) / (sum(w[:5]) / 5)


@dataclass
class _Failure:
    error: PlatformError
    method: str | None
    after_batches: int
    remaining: int
    skip: int = 0  # matching calls still let through before the failure applies


class SandboxPlatform:
    platform = Platform.SANDBOX

    def __init__(
        self,
        seed: int = 7,
        accounts: int = 3,
        today: date | None = None,
        *,
        restatement_days: int = 3,
        batch_size: int = 1000,
    ) -> None:
        if accounts < 0:
            raise ValueError("accounts must be >= 0")
        if restatement_days < 0:
            raise ValueError("restatement_days must be >= 0")
        if not 1 <= batch_size <= 1000:
            raise ValueError("batch_size must be 1..1000")
        self.seed = seed
        self.today = today  # None: each account's local date, read from the clock at every call
        self.restatement_days = restatement_days
        self.batch_size = batch_size
        # (method, account id) of the latest calls, oldest first: for tests asserting retries and call order.
        self.calls: deque[tuple[str, str | None]] = deque(maxlen=10_000)
        self._failures: list[_Failure] = []
        self._accounts: dict[str, AccountState] = {}
        for i in range(accounts):
            state = generate_account(seed, i)
            self._accounts[state.account.external_id] = state

    # ------------------------------------------------------------------------------------ time & introspection

    def today_for(self, account_id: str) -> date:
        """The account's current local date: the pinned ``today``, else the clock in the account's time zone."""
        if self.today is not None:
            return self.today
        return datetime.now(ZoneInfo(self._account(account_id).account.time_zone)).date()

    def advance(self, days: int = 1) -> date:
        """Move a pinned ``today`` forward (restatements mature, new days appear)."""
        if self.today is None:
            raise RuntimeError("advance() needs a pinned today (SandboxPlatform(today=...))")
        self.today += timedelta(days=days)
        return self.today

    def profile(self, account_id: str) -> SandboxAccountProfile:
        acct = self._account(account_id)
        return SandboxAccountProfile(
            account_id=account_id,
            vertical=acct.vertical.key,
            vertical_label=acct.vertical.label,
            market=acct.market,
            created_on=acct.created_on,
            weekday_profile=acct.vertical.weekday,
        )

    def _today_fraction(self, acct: AccountState) -> float:
        if self.today is not None:
            return PINNED_TODAY_FRACTION
        now = datetime.now(ZoneInfo(acct.account.time_zone))
        seconds = now.hour * 3600 + now.minute * 60 + now.second
        return max(0.01, seconds / 86400)

    # ---------------------------------------------------------------------------------------- failures

    def fail_next(
        self,
        kind: FailureKind | PlatformError,
        *,
        times: int = 1,
        method: str | None = None,
        retry_after_s: float = 30.0,
        after_batches: int = 0,
        after_calls: int = 0,
    ) -> None:
        """Make the next ``times`` calls (of ``method``, or of any method) raise, after letting ``after_calls``
        matching calls through.

        ``kind``: ``"rate_limited"`` → :class:`RateLimited` (``retry_after_s``), ``"transient"`` →
        :class:`TransientPlatformError`, ``"reconnect"`` → :class:`ReconnectRequired`, or any PlatformError
        instance. For ``fetch_daily_metrics`` the error is raised after ``after_batches`` batches were yielded
        (0: on the first ``__anext__``); a fetch with fewer batches consumes the failure without raising.
        """
        if method is not None and method not in METHODS:
            raise ValueError(f"unknown method {method!r}; one of {sorted(METHODS)}")
        if times < 1 or after_batches < 0 or after_calls < 0:
            raise ValueError("times must be >= 1, after_batches and after_calls >= 0")
        error: PlatformError
        if isinstance(kind, PlatformError):
            error = kind
        elif kind == "rate_limited":
            error = RateLimited(
                f"sandbox: simulated rate limit, retry in {retry_after_s:g}s", retry_after_s=retry_after_s
            )
        elif kind == "transient":
            error = TransientPlatformError("sandbox: simulated transient error (HTTP 503)")
        elif kind == "reconnect":
            error = ReconnectRequired("sandbox: simulated revoked access, link the account again")
        else:
            raise ValueError(f"unknown failure kind {kind!r}")
        self._failures.append(_Failure(error, method, after_batches, times, after_calls))

    def clear_failures(self) -> None:
        self._failures.clear()

    def _enter(self, method: str, account_id: str | None) -> _Failure | None:
        """Record the call; raise a pending failure for it (fetch gets it back to raise mid-stream)."""
        self.calls.append((method, account_id))
        for f in self._failures:
            if f.method is None or f.method == method:
                if f.skip > 0:
                    f.skip -= 1
                    continue
                f.remaining -= 1
                if f.remaining == 0:
                    self._failures.remove(f)
                if method == "fetch_daily_metrics" and f.after_batches > 0:
                    return f
                raise f.error
        return None

    # -------------------------------------------------------------------------------------------- reads

    def _account(self, account_id: str) -> AccountState:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise InvalidRequest(f"sandbox: unknown ad account {account_id!r}") from None

    async def list_accounts(self) -> list[AdAccount]:
        self._enter("list_accounts", None)
        return [a.account for a in self._accounts.values()]

    async def list_campaigns(self, account_id: str) -> list[Campaign]:
        self._enter("list_campaigns", account_id)
        acct = self._account(account_id)
        return [
            Campaign(
                external_id=c.external_id,
                account_id=account_id,
                name=c.name,
                status=current(c.status_log),
                objective=c.objective,
                daily_budget_micros=c.budget_log[-1][1],
            )
            for c in acct.campaigns
        ]

    async def list_ad_groups(self, account_id: str) -> list[AdGroup]:
        self._enter("list_ad_groups", account_id)
        acct = self._account(account_id)
        return [
            AdGroup(
                external_id=g.external_id,
                account_id=account_id,
                campaign_id=c.external_id,
                name=g.name,
                status=current(g.status_log),
            )
            for c in acct.campaigns
            for g in c.ad_groups
        ]

    async def list_ads(self, account_id: str) -> list[Ad]:
        self._enter("list_ads", account_id)
        acct = self._account(account_id)
        return [
            Ad(
                external_id=a.external_id,
                account_id=account_id,
                ad_group_id=g.external_id,
                name=a.name,
                status=current(a.status_log),
                headlines=a.headlines,
                descriptions=a.descriptions,
                final_url=a.final_url,
            )
            for c in acct.campaigns
            for g in c.ad_groups
            for a in g.ads
        ]

    async def fetch_daily_metrics(
        self, account_id: str, start: date, end: date
    ) -> AsyncIterator[list[DailyMetric]]:
        """Ad-level rows (the sum over ads is the campaign total), day by day, ≤ ``batch_size`` per batch."""
        failure = self._enter("fetch_daily_metrics", account_id)
        acct = self._account(account_id)
        batches = metric_batches(
            acct,
            start,
            end,
            today=self.today_for(account_id),
            today_fraction=self._today_fraction(acct),
            restatement_days=self.restatement_days,
            batch_size=self.batch_size,
        )
        for i, batch in enumerate(batches):
            if failure is not None and i == failure.after_batches:
                raise failure.error
            yield batch
            await asyncio.sleep(0)  # a long backfill must not starve the rest of the service's event loop

    # ------------------------------------------------------------------------------------------- writes

    async def create_campaigns(
        self, account_id: str, items: Sequence[NewCampaign], *, validate_only: bool = False
    ) -> list[WriteResult]:
        self._enter("create_campaigns", account_id)
        acct = self._account(account_id)
        today = self.today_for(account_id).toordinal()
        taken = {c.name.casefold() for c in acct.campaigns if current(c.status_log) != Status.REMOVED}
        results = []
        for i, item in enumerate(items):
            errors = _name_errors(item.name, "campaign name")
            if item.name.strip() and item.name.casefold() in taken:
                errors.append(f"a campaign named {item.name!r} already exists in this account")
            errors += _budget_errors(item.daily_budget_micros)
            if item.objective is not None and item.objective not in OBJECTIVES:
                errors.append(f"unknown objective {item.objective!r}; one of {', '.join(OBJECTIVES)}")
            if item.status == Status.REMOVED:
                errors.append("a new campaign cannot be REMOVED")
            if errors:
                results.append(_refused(i, errors))
                continue
            taken.add(item.name.casefold())
            if validate_only:
                results.append(WriteResult(i))
                continue
            campaign = new_campaign_state(
                acct,
                f"{account_id}-c{acct.next_campaign_no:02d}",
                item.name,
                item.objective,
                item.daily_budget_micros,
                today,
                item.status,
            )
            acct.add_campaign(campaign)
            results.append(WriteResult(i, external_id=campaign.external_id))
        return results

    async def create_ad_groups(
        self, account_id: str, items: Sequence[NewAdGroup], *, validate_only: bool = False
    ) -> list[WriteResult]:
        self._enter("create_ad_groups", account_id)
        acct = self._account(account_id)
        today = self.today_for(account_id).toordinal()
        pending: dict[str, set[str]] = {}  # names added in this request (validate_only creates nothing)
        results = []
        for i, item in enumerate(items):
            errors = _name_errors(item.name, "ad group name") + _targeting_errors(item)
            if item.status == Status.REMOVED:
                errors.append("a new ad group cannot be REMOVED")
            campaign = acct.campaigns_by_id.get(item.campaign_id)
            if campaign is None:
                errors.append(f"unknown campaign {item.campaign_id!r} in account {account_id}")
            elif current(campaign.status_log) == Status.REMOVED:
                errors.append(f"campaign {item.campaign_id} is removed")
            else:
                names = pending.setdefault(
                    campaign.external_id,
                    {
                        g.name.casefold()
                        for g in campaign.ad_groups
                        if current(g.status_log) != Status.REMOVED
                    },
                )
                if item.name.strip() and item.name.casefold() in names:
                    errors.append(f"an ad group named {item.name!r} already exists in this campaign")
            if errors or campaign is None:
                results.append(_refused(i, errors))
                continue
            pending[campaign.external_id].add(item.name.casefold())
            if validate_only:
                results.append(WriteResult(i))
                continue
            group = new_ad_group_state(
                acct,
                f"{campaign.external_id}-g{len(campaign.ad_groups) + 1}",
                campaign,
                item.name,
                today,
                item.status,
            )
            acct.add_ad_group(group)
            results.append(WriteResult(i, external_id=group.external_id))
        return results

    async def create_ads(
        self, account_id: str, items: Sequence[NewAd], *, validate_only: bool = False
    ) -> list[WriteResult]:
        self._enter("create_ads", account_id)
        acct = self._account(account_id)
        today = self.today_for(account_id).toordinal()
        results = []
        for i, item in enumerate(items):
            errors = _ad_errors(item)
            group = acct.ad_groups_by_id.get(item.ad_group_id)
            if group is None:
                errors.append(f"unknown ad group {item.ad_group_id!r} in account {account_id}")
            elif current(group.status_log) == Status.REMOVED:
                errors.append(f"ad group {item.ad_group_id} is removed")
            if errors or group is None:
                results.append(_refused(i, errors))
                continue
            claims = _policy_claims(item)
            if claims:
                results.append(
                    WriteResult(
                        i,
                        error=f"ad copy violates the advertising policy (unsubstantiated claim: {', '.join(claims)})",
                        error_kind=ErrorKind.POLICY,
                    )
                )
                continue
            if validate_only:
                results.append(WriteResult(i))
                continue
            ad = new_ad_state(
                acct,
                f"{group.external_id}-a{len(group.ads) + 1}",
                group,
                item.name,
                tuple(item.headlines),
                tuple(item.descriptions),
                item.final_url,
                item.path1,
                item.path2,
                today,
                item.status,
            )
            acct.add_ad(ad)
            results.append(WriteResult(i, external_id=ad.external_id))
        return results

    async def set_status(self, account_id: str, level: Level, external_id: str, status: Status) -> None:
        """Effective from the account's ``today``: earlier days keep their metrics."""
        self._enter("set_status", account_id)
        acct = self._account(account_id)
        try:
            level, status = Level(level), Status(status)
        except ValueError as exc:
            raise InvalidRequest(f"sandbox: {exc}") from None
        entity: CampaignState | AdGroupState | AdState | None
        if level == Level.CAMPAIGN:
            entity = acct.campaigns_by_id.get(external_id)
        elif level == Level.AD_GROUP:
            entity = acct.ad_groups_by_id.get(external_id)
        else:
            entity = acct.ads_by_id.get(external_id)
        if entity is None:
            raise InvalidRequest(f"sandbox: unknown {level.value} {external_id!r} in account {account_id}")
        now = current(entity.status_log)
        if now == Status.REMOVED and status != Status.REMOVED:
            raise InvalidRequest(
                f"sandbox: {level.value} {external_id} is removed and cannot be {status.value}"
            )
        if now != status:
            log_set(entity.status_log, self.today_for(account_id).toordinal(), status)

    async def set_daily_budget(self, account_id: str, campaign_id: str, daily_budget_micros: int) -> None:
        """Effective from the account's ``today``: spend of earlier days does not change."""
        self._enter("set_daily_budget", account_id)
        acct = self._account(account_id)
        campaign = acct.campaigns_by_id.get(campaign_id)
        if campaign is None:
            raise InvalidRequest(f"sandbox: unknown campaign {campaign_id!r} in account {account_id}")
        if current(campaign.status_log) == Status.REMOVED:
            raise InvalidRequest(f"sandbox: campaign {campaign_id} is removed")
        errors = _budget_errors(daily_budget_micros)
        if errors:
            raise InvalidRequest(f"sandbox: {'; '.join(errors)}")
        log_set(campaign.budget_log, self.today_for(account_id).toordinal(), daily_budget_micros)


# ------------------------------------------------------------------------------------------- validation


def _refused(index: int, errors: list[str]) -> WriteResult:
    return WriteResult(index, error="; ".join(errors), error_kind=ErrorKind.INVALID_REQUEST)


def _policy_claims(ad: NewAd) -> list[str]:
    text = " ".join((*ad.headlines, *ad.descriptions)).casefold()
    return [term for term in POLICY_TERMS if term in text]


def _targeting_errors(group: NewAdGroup) -> list[str]:
    errors = [
        f"country {c!r} is not an ISO 3166-1 alpha-2 code" for c in group.countries if not _is_country(c)
    ]
    errors += [f"location id {loc!r} is not numeric" for loc in group.location_ids if not loc.isdigit()]
    lo, hi = AGE_RANGE
    for label, age in (("age_min", group.age_min), ("age_max", group.age_max)):
        if age is not None and not lo <= age <= hi:
            errors.append(f"{label} must be within {lo}-{hi}")
    if group.age_min is not None and group.age_max is not None and group.age_min > group.age_max:
        errors.append("age_min is above age_max")
    return errors


def _is_country(code: str) -> bool:
    return len(code) == 2 and code.isascii() and code.isalpha() and code.isupper()


def _name_errors(name: str, what: str) -> list[str]:
    if not name.strip():
        return [f"{what} is empty"]
    if len(name) > MAX_NAME:
        return [f"{what} is longer than {MAX_NAME} characters"]
    return []


def _budget_errors(micros: int) -> list[str]:
    if micros <= 0:
        return ["daily budget must be greater than 0"]
    if micros % BUDGET_STEP_MICROS:
        return [f"daily budget must be a whole number of cents (a multiple of {BUDGET_STEP_MICROS} micros)"]
    return []


def _ad_errors(ad: NewAd) -> list[str]:
    errors = _name_errors(ad.name, "ad name")
    url = urlsplit(ad.final_url.strip())
    if url.scheme not in ("http", "https") or not url.hostname or " " in ad.final_url.strip():
        errors.append(f"final URL {ad.final_url!r} is not an http(s) URL")
    lo, hi = HEADLINES_RANGE
    if not lo <= len(ad.headlines) <= hi:
        errors.append(f"a responsive search ad needs {lo}-{hi} headlines, got {len(ad.headlines)}")
    for n, h in enumerate(ad.headlines, start=1):
        if not h.strip():
            errors.append(f"headline {n} is empty")
        elif len(h) > HEADLINE_MAX:
            errors.append(f"headline {n} is {len(h)} characters (max {HEADLINE_MAX})")
    if len({h.strip().casefold() for h in ad.headlines}) < len(ad.headlines):
        errors.append("headlines must be unique")
    lo, hi = DESCRIPTIONS_RANGE
    if not lo <= len(ad.descriptions) <= hi:
        errors.append(f"a responsive search ad needs {lo}-{hi} descriptions, got {len(ad.descriptions)}")
    for n, d in enumerate(ad.descriptions, start=1):
        if not d.strip():
            errors.append(f"description {n} is empty")
        elif len(d) > DESCRIPTION_MAX:
            errors.append(f"description {n} is {len(d)} characters (max {DESCRIPTION_MAX})")
    for label, path in (("path1", ad.path1), ("path2", ad.path2)):
        if path is not None and (len(path) > MAX_PATH or " " in path or "/" in path):
            errors.append(f"{label} must be at most {MAX_PATH} characters without spaces or slashes")
    if ad.path2 and not ad.path1:
        errors.append("path2 needs path1")
    if ad.status == Status.REMOVED:
        errors.append("a new ad cannot be REMOVED")
    return errors


if TYPE_CHECKING:

    def _conforms(p: SandboxPlatform) -> AdPlatformClient:
        return p

"""``MetaClient``: the Marketing API through the official ``facebook-business`` SDK.

The SDK is blocking (``requests``), so every SDK call runs in a worker thread; retries, back-off and
throttling pauses happen on the event loop with the injectable ``sleep``. Each client owns its own
``FacebookSession`` + ``FacebookAdsApi`` (never the SDK's global default, never ``FacebookAdsApi.init``, which
also installs the SDK's crash reporter), and every SDK object is built with ``api=`` that instance, so two
organisations' tokens can never cross.

A ``requests`` response hook on the client's session sees every HTTP response, successes included, and
records Meta's usage headers; above ``usage_threshold_pct`` the *next* call waits ``max(min_usage_pause_s,
estimated_time_to_regain_access)``. Responses the SDK would misread (non-JSON 5xx pages, truncated JSON on
HTTP 200, which the SDK treats as success) are turned into retryable errors in the same hook.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import requests
from facebook_business.adobjects.ad import Ad as FbAd
from facebook_business.adobjects.adaccount import AdAccount as FbAdAccount
from facebook_business.adobjects.adreportrun import AdReportRun
from facebook_business.adobjects.adset import AdSet as FbAdSet
from facebook_business.adobjects.campaign import Campaign as FbCampaign
from facebook_business.adobjects.user import User as FbUser
from facebook_business.api import Cursor, FacebookAdsApi
from facebook_business.exceptions import FacebookError, FacebookRequestError
from facebook_business.session import FacebookSession

from adpilot_connectors.platforms.base import (
    Ad,
    AdAccount,
    AdGroup,
    Campaign,
    Credentials,
    DailyMetric,
    InvalidRequest,
    Level,
    NewAd,
    NewAdGroup,
    NewCampaign,
    Platform,
    PlatformError,
    PolicyViolation,
    RateLimited,
    ReconnectRequired,
    Status,
    TransientPlatformError,
    WriteResult,
)
from adpilot_connectors.platforms.meta import mapping
from adpilot_connectors.platforms.meta.throttle import (
    Failure,
    Usage,
    classify,
    install_log_redaction,
    is_policy_refusal,
    parse_usage,
    redact,
)

logger = logging.getLogger(__name__)

API_VERSION = "v26.0"  # facebook-business 26.x; v23 was sunset mid-2026. Bump together with the SDK
"""The one Graph API version this client speaks; each lives about a year with a 90-day grace after the next."""

RESTATEMENT_LOOKBACK_DAYS = 28
"""Meta may restate the last 28 days of insights: re-fetch at least this window on every sync."""

DEFAULT_CONVERSION_ACTION_TYPES = ("offsite_conversion.fb_pixel_purchase", "purchase")

INSIGHT_FIELDS = (
    "account_id",
    "campaign_id",
    "adset_id",
    "ad_id",
    "date_start",
    "date_stop",
    "impressions",
    "clicks",
    "spend",
    "actions",
    "action_values",
    "account_currency",
)
ACCOUNT_FIELDS = ("id", "account_id", "name", "currency", "timezone_name", "account_status")
CAMPAIGN_FIELDS = ("id", "name", "status", "effective_status", "objective", "daily_budget")
ADSET_FIELDS = ("id", "name", "status", "effective_status", "campaign_id")
AD_FIELDS = (
    "id,name,status,effective_status,adset_id,campaign_id,creative{id,title,body,link_url,object_story_spec}"
)

JOB_DONE = "Job Completed"
JOB_FAILED = frozenset({"Job Failed", "Job Skipped"})

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[Any]]


@dataclass(frozen=True)
class MetaTuning:
    """Retry, throttling and report-job knobs (defaults follow the behaviour collected in ad-platforms.md)."""

    page_size: int = 100
    max_retries: int = 5
    rate_limit_backoff_s: float = 60.0  # first wait after a rate-limit code, doubling
    transient_backoff_s: float = 2.0  # first wait after a 5xx / code 1, 2, doubling
    max_backoff_s: float = 900.0
    usage_threshold_pct: float = 90.0
    min_usage_pause_s: float = 60.0
    sync_insights_max_days: int = 7  # longer ranges use an async report job
    job_poll_initial_s: float = 2.0
    job_poll_max_s: float = 30.0
    job_timeout_s: float = 1800.0
    job_attempts: int = 2  # a failed/skipped report job is started again this many times in total
    request_timeout_s: float = 120.0


@dataclass
class _Throttle:
    """Usage seen by the session hook (worker threads) and consumed by the next call (event loop)."""

    pause_s: float = 0.0
    scope: str = "app"
    last: Usage | None = None


class _BadResponse(Exception):
    """A response the SDK would misread as success or choke on; always retryable."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status}: {reason}")
        self.status = status


class MetaClient:
    platform: Platform = Platform.META

    def __init__(
        self,
        credentials: Credentials,
        *,
        app_id: str,
        app_secret: str,
        api_version: str = API_VERSION,
        graph_url: str | None = None,
        sleep: Sleep = asyncio.sleep,
        page_id: str | None = None,
        conversion_action_types: Sequence[str] = DEFAULT_CONVERSION_ACTION_TYPES,
        default_objective: str = "OUTCOME_TRAFFIC",
        adset_defaults: dict[str, Any] | None = None,
        tuning: MetaTuning | None = None,
    ) -> None:
        self._sleep = sleep
        self._tuning = tuning or MetaTuning()
        self._page_id = page_id
        self._action_types = tuple(conversion_action_types)
        self._default_objective = default_objective
        # Ad sets under a campaign with a daily budget (CBO) need no budget of their own, but Meta insists
        # on a billing event, an optimisation goal and targeting; NewAdGroup carries none of them.
        self._adset_defaults: dict[str, Any] = adset_defaults or {
            "billing_event": "IMPRESSIONS",
            "optimization_goal": "LINK_CLICKS",
            "targeting": {"geo_locations": {"countries": ["US"]}},
        }

        session = FacebookSession(
            app_id, app_secret, credentials.access_token, timeout=self._tuning.request_timeout_s
        )
        if graph_url:
            session.GRAPH = graph_url.rstrip("/")  # instance attribute: the class default stays Meta's host
        self._secrets = (credentials.access_token, getattr(session, "appsecret_proof", None), app_secret)
        session.requests.hooks["response"].append(self._on_response)
        self._api = FacebookAdsApi(session, api_version=api_version)

        self._throttle = _Throttle()
        self._throttle_lock = threading.Lock()
        self._pause_lock = asyncio.Lock()
        self._accounts: dict[str, AdAccount] = {}
        install_log_redaction()

    def __repr__(self) -> str:  # never show the token
        return f"MetaClient(graph={self._api._session.GRAPH!r}, version={self._api._api_version!r})"

    # ------------------------------------------------------------------ transport: hook, retries, paging

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        usage = parse_usage(response.headers)
        if usage is not None:
            with self._throttle_lock:
                self._throttle.last = usage
                if usage.pct > self._tuning.usage_threshold_pct:
                    pause = max(self._tuning.min_usage_pause_s, usage.regain_s)
                    if pause > self._throttle.pause_s:
                        self._throttle.pause_s, self._throttle.scope = pause, usage.scope
        try:
            response.json()
        except ValueError:
            # The SDK would take a non-JSON page (a proxy's 502) or JSON cut off mid-body as *success*.
            kind = "server error page" if response.status_code >= 500 else "unparseable or truncated body"
            raise _BadResponse(response.status_code, kind) from None
        return response

    async def _pause_if_throttled(self) -> None:
        async with self._pause_lock:  # concurrent callers of one client all wait behind one pause
            with self._throttle_lock:
                pause, scope = self._throttle.pause_s, self._throttle.scope
                self._throttle.pause_s = 0.0
            if pause > 0:
                logger.warning(
                    "meta usage above %.0f%% (%s); pausing %.0f s",
                    self._tuning.usage_threshold_pct,
                    scope,
                    pause,
                )
                await self._sleep(pause)

    def _drop_pause_covered_by(self, wait: float) -> None:
        """A retry back-off that is at least as long as the pending usage pause replaces it (no double wait)."""
        with self._throttle_lock:
            if self._throttle.pause_s <= wait:
                self._throttle.pause_s = 0.0

    def _regain_s(self) -> float:
        with self._throttle_lock:
            return self._throttle.last.regain_s if self._throttle.last else 0.0

    def _failure(self, exc: BaseException) -> Failure:
        if isinstance(exc, FacebookRequestError):
            error = exc.body().get("error", {}) if isinstance(exc.body(), dict) else {}
            text = exc.api_error_message() or exc.get_message() or "unknown error"
            user_msg = error.get("error_user_msg")
            if user_msg and user_msg not in text:
                text = f"{text} ({user_msg})"
            trace = error.get("fbtrace_id")
            code, subcode = exc.api_error_code(), exc.api_error_subcode()
            message = f"Meta API error {code}" + (f"/{subcode}" if subcode else "") + f": {text}"
            if trace:
                message += f" [fbtrace_id {trace}]"
            return classify(
                code=code,
                subcode=subcode,
                http_status=exc.http_status(),
                is_transient=bool(exc.api_transient_error()),
                message=redact(message, *self._secrets),
            )
        if isinstance(exc, _BadResponse):
            retryable = exc.status >= 500 or exc.status < 400 or exc.status == 429
            return Failure(
                kind="transient" if retryable else "invalid",
                message=f"Meta returned {exc}",
                http_status=exc.status,
            )
        if isinstance(exc, requests.Timeout):
            return Failure(kind="transient", message="Meta request timed out")
        if isinstance(exc, requests.RequestException):
            # requests' messages embed the URL, and with it the access_token query parameter: never reuse them.
            return Failure(kind="transient", message=f"Meta request failed ({type(exc).__name__})")
        return Failure(kind="invalid", message=redact(f"Meta SDK error: {exc}", *self._secrets))

    def _backoff(self, failure: Failure, attempt: int) -> float:
        t = self._tuning
        factor = float(2**attempt)
        if failure.kind == "rate_limit":
            # Never shorter than what Meta's usage headers say it takes to regain access.
            return max(min(t.rate_limit_backoff_s * factor, t.max_backoff_s), self._regain_s())
        return min(t.transient_backoff_s * factor, t.max_backoff_s)

    async def _call(self, what: str, fn: Callable[[], T], *, retry_transient: bool = True) -> T:
        """Run one blocking SDK call in a worker thread, with Meta's retry rules around it.

        Creates pass ``retry_transient=False``: after a 5xx the object may exist, and sending it again could
        duplicate it (rate limits are refused before any work, so those are always retried)."""
        attempt = 0
        while True:
            await self._pause_if_throttled()
            try:
                return await asyncio.to_thread(fn)
            except (FacebookError, requests.RequestException, _BadResponse) as exc:
                failure = self._failure(exc)
            if failure.kind == "reconnect":
                raise ReconnectRequired(
                    f"{what}: {failure.message}; the Meta account must be reconnected"
                ) from None
            if failure.kind == "invalid":
                if is_policy_refusal(failure.code, failure.message):
                    raise PolicyViolation(f"{what}: {failure.message}") from None
                raise InvalidRequest(f"{what}: {failure.message}") from None
            if failure.kind == "transient" and not retry_transient:
                raise TransientPlatformError(
                    f"{what}: {failure.message}; outcome unknown, check before creating it again"
                ) from None
            wait = self._backoff(failure, attempt)
            self._drop_pause_covered_by(wait)
            if attempt >= self._tuning.max_retries:
                if failure.kind == "rate_limit":
                    raise RateLimited(
                        f"{what}: {failure.message} (gave up after {attempt} retries)",
                        retry_after_s=wait,
                        scope=failure.scope,
                    ) from None
                raise TransientPlatformError(
                    f"{what}: {failure.message} (gave up after {attempt} retries)"
                ) from None
            attempt += 1
            logger.warning(
                "%s: %s; retry %d/%d in %.0f s",
                what,
                failure.message,
                attempt,
                self._tuning.max_retries,
                wait,
            )
            await self._sleep(wait)

    async def _pages(self, what: str, first: Callable[[], Cursor]) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield each page of an edge as plain dicts; a failed page is retried alone (the Cursor only moves
        its ``after`` cursor once a page has arrived)."""
        cursor = await self._call(what, first)
        while True:
            page = [cursor[i].export_all_data() for i in range(len(cursor))]
            if page:
                yield page
            if not await self._call(what, cursor.load_next_page):
                return

    async def _all(self, what: str, first: Callable[[], Cursor]) -> list[dict[str, Any]]:
        return [row async for page in self._pages(what, first) for row in page]

    def _account(self, account_id: str) -> FbAdAccount:
        return FbAdAccount(mapping.account_node(account_id), api=self._api)

    # ------------------------------------------------------------------ reads

    async def list_accounts(self) -> list[AdAccount]:
        me = FbUser(fbid="me", api=self._api)
        rows = await self._all(
            "list ad accounts",
            lambda: me.get_ad_accounts(fields=list(ACCOUNT_FIELDS), params={"limit": self._tuning.page_size}),
        )
        accounts = [mapping.to_account(row) for row in rows]
        self._accounts.update({account.external_id: account for account in accounts})
        return accounts

    async def get_account(self, account_id: str) -> AdAccount:
        """One account's currency and time zone (cached per client)."""
        bare = mapping.bare_account_id(account_id)
        if bare not in self._accounts:
            node = self._account(bare)
            data = await self._call("read ad account", lambda: node.api_get(fields=list(ACCOUNT_FIELDS)))
            self._accounts[bare] = mapping.to_account(data.export_all_data())
        return self._accounts[bare]

    async def list_campaigns(self, account_id: str) -> list[Campaign]:
        account = await self.get_account(account_id)
        node = self._account(account_id)
        rows = await self._all(
            "list campaigns",
            lambda: node.get_campaigns(
                fields=list(CAMPAIGN_FIELDS), params={"limit": self._tuning.page_size}
            ),
        )
        return [mapping.to_campaign(row, account.external_id, account.currency) for row in rows]

    async def list_ad_groups(self, account_id: str) -> list[AdGroup]:
        bare = mapping.bare_account_id(account_id)
        node = self._account(account_id)
        rows = await self._all(
            "list ad sets",
            lambda: node.get_ad_sets(fields=list(ADSET_FIELDS), params={"limit": self._tuning.page_size}),
        )
        return [mapping.to_ad_group(row, bare) for row in rows]

    async def list_ads(self, account_id: str) -> list[Ad]:
        bare = mapping.bare_account_id(account_id)
        node = self._account(account_id)
        # Field expansion (creative{...}) goes in params: the SDK warns about unknown names in ``fields``.
        rows = await self._all(
            "list ads",
            lambda: node.get_ads(params={"fields": AD_FIELDS, "limit": self._tuning.page_size}),
        )
        return [mapping.to_ad(row, bare) for row in rows]

    async def fetch_daily_metrics(
        self, account_id: str, start: date, end: date
    ) -> AsyncIterator[list[DailyMetric]]:
        """Ad-level daily rows; a synchronous insights read for short ranges, an async report job otherwise."""
        if end < start:
            raise InvalidRequest(f"end {end} is before start {start}")
        account = await self.get_account(account_id)
        params: dict[str, Any] = {
            "level": "ad",
            "time_increment": "1",
            "time_range": {"since": start.isoformat(), "until": end.isoformat()},
            "limit": self._tuning.page_size,
        }
        node = self._account(account_id)
        if (end - start).days + 1 <= self._tuning.sync_insights_max_days:
            pages = self._pages(
                "read insights", lambda: node.get_insights(fields=list(INSIGHT_FIELDS), params=dict(params))
            )
        else:
            report = await self._run_report_job(node, params)
            pages = self._pages(
                "read insights report",
                lambda: report.get_insights(params={"limit": self._tuning.page_size}),
            )
        async for page in pages:
            yield [
                mapping.to_daily_metric(
                    row,
                    account_id=account.external_id,
                    currency=account.currency,
                    action_types=self._action_types,
                )
                for row in page
            ]

    async def _run_report_job(self, node: FbAdAccount, params: dict[str, Any]) -> AdReportRun:
        """Start an async insights report (POST /act_<id>/insights) and poll it until it completes; a failed or
        skipped job is started again up to ``job_attempts`` times, a job that outlives ``job_timeout_s`` fails."""
        job_params = {k: v for k, v in params.items() if k != "limit"}
        for job_attempt in range(1, self._tuning.job_attempts + 1):
            report: AdReportRun = await self._call(
                "start insights report",
                lambda: node.get_insights(
                    fields=list(INSIGHT_FIELDS), params=dict(job_params), is_async=True
                ),
            )
            status = await self._wait_for_report(report)
            if status == JOB_DONE:
                return report
            logger.warning("meta insights report %s: %s (attempt %d)", report.get_id(), status, job_attempt)
        raise TransientPlatformError(f"Meta insights report failed {self._tuning.job_attempts} times")

    async def _wait_for_report(self, report: AdReportRun) -> str:
        t = self._tuning
        started = time.monotonic()
        waited = 0.0
        delay = t.job_poll_initial_s
        fields = [AdReportRun.Field.async_status, AdReportRun.Field.async_percent_completion]
        while True:
            await self._call("poll insights report", lambda: report.api_get(fields=fields))
            data = report.export_all_data()
            status = str(data.get(AdReportRun.Field.async_status) or "")
            percent = data.get(AdReportRun.Field.async_percent_completion)
            if status == JOB_DONE or status in JOB_FAILED:
                return status
            if max(waited, time.monotonic() - started) >= t.job_timeout_s:
                raise TransientPlatformError(
                    f"Meta insights report {report.get_id()} not finished after {t.job_timeout_s:.0f} s "
                    f"({status or 'no status'}, {percent}%)"
                )
            logger.debug("meta insights report %s: %s %s%%", report.get_id(), status, percent)
            await self._sleep(delay)
            waited += delay
            delay = min(delay * 2, t.job_poll_max_s)

    # ------------------------------------------------------------------ writes

    async def _bulk(
        self, what: str, items: Sequence[Any], create: Callable[[int, Any], Callable[[], Any]]
    ) -> list[WriteResult]:
        """One POST per item. Item-level refusals become that item's error; an account-wide stop (token or
        rate limit) marks the item and everything after it with the same kind, and the items already created
        are still returned."""
        results: list[WriteResult] = []
        stopped: ReconnectRequired | RateLimited | None = None
        for index, item in enumerate(items):
            if stopped is not None:
                results.append(WriteResult.failed(index, stopped, prefix="not attempted: "))
                continue
            try:
                call = create(index, item)
                created = await self._call(what, call, retry_transient=False)
            except (ReconnectRequired, RateLimited) as exc:
                stopped = exc
                results.append(WriteResult.failed(index, exc, prefix=f"{type(exc).__name__}: "))
                continue
            except PlatformError as exc:
                results.append(WriteResult.failed(index, exc))
                continue
            external_id = created.get_id() if created is not None else None
            results.append(WriteResult(index=index, external_id=str(external_id) if external_id else None))
        return results

    @staticmethod
    def _with_validation(params: dict[str, Any], validate_only: bool) -> dict[str, Any]:
        if validate_only:
            params["execution_options"] = ["validate_only"]
        return params

    async def create_campaigns(
        self, account_id: str, items: Sequence[NewCampaign], *, validate_only: bool = False
    ) -> list[WriteResult]:
        account = await self.get_account(account_id)
        node = self._account(account_id)

        def create(index: int, item: NewCampaign) -> Callable[[], Any]:
            params = self._with_validation(
                {
                    "name": item.name,
                    "objective": item.objective or self._default_objective,
                    "status": mapping.STATUS_TO_META[item.status],
                    "daily_budget": mapping.micros_to_minor_units(item.daily_budget_micros, account.currency),
                    "special_ad_categories": [],
                    "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
                },
                validate_only,
            )
            return lambda: node.create_campaign(params=params)

        return await self._bulk("create campaign", items, create)

    async def create_ad_groups(
        self, account_id: str, items: Sequence[NewAdGroup], *, validate_only: bool = False
    ) -> list[WriteResult]:
        node = self._account(account_id)

        def create(index: int, item: NewAdGroup) -> Callable[[], Any]:
            targeting = mapping.ad_set_targeting(
                self._adset_defaults.get("targeting"),
                countries=item.countries,
                location_ids=item.location_ids,
                age_min=item.age_min,
                age_max=item.age_max,
            )
            params = self._with_validation(
                {
                    **self._adset_defaults,
                    "targeting": targeting,
                    "name": item.name,
                    "campaign_id": item.campaign_id,
                    "status": mapping.STATUS_TO_META[item.status],
                },
                validate_only,
            )
            return lambda: node.create_ad_set(params=params)

        return await self._bulk("create ad set", items, create)

    async def create_ads(
        self, account_id: str, items: Sequence[NewAd], *, validate_only: bool = False
    ) -> list[WriteResult]:
        node = self._account(account_id)

        def create(index: int, item: NewAd) -> Callable[[], Any]:
            page_id = item.identity_id or self._page_id
            if not page_id:
                raise InvalidRequest(
                    "a Meta ad needs a Facebook Page: the ad's identity_id or MetaClient(page_id=...)"
                )
            problems = mapping.ad_creative_problems(item)
            if problems:
                raise InvalidRequest("; ".join(problems))
            creative = mapping.ad_creative(item, page_id=page_id)
            params = self._with_validation(
                {
                    "name": item.name,
                    "adset_id": item.ad_group_id,
                    "status": mapping.STATUS_TO_META[item.status],
                    "creative": creative,
                },
                validate_only,
            )
            return lambda: node.create_ad(params=params)

        return await self._bulk("create ad", items, create)

    async def set_status(self, account_id: str, level: Level, external_id: str, status: Status) -> None:
        cls = {Level.CAMPAIGN: FbCampaign, Level.AD_GROUP: FbAdSet, Level.AD: FbAd}[level]
        obj = cls(external_id, api=self._api)
        meta_status = mapping.STATUS_TO_META[status]
        await self._call(f"set {level.value} status", lambda: obj.api_update(params={"status": meta_status}))

    async def set_daily_budget(self, account_id: str, campaign_id: str, daily_budget_micros: int) -> None:
        account = await self.get_account(account_id)
        budget = mapping.micros_to_minor_units(daily_budget_micros, account.currency)
        campaign = FbCampaign(campaign_id, api=self._api)
        await self._call("set daily budget", lambda: campaign.api_update(params={"daily_budget": budget}))

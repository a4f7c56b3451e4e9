"""Google Ads API client on the official ``google-ads`` SDK (async gRPC transport), implementing
:class:`~adpilot_connectors.platforms.base.AdPlatformClient`.

What it relies on (checked against google-ads 34.x, the API version pinned in :data:`API_VERSION`):

* ``GoogleAdsClient(credentials=<google.oauth2 Credentials>, developer_token=..., login_customer_id=...,
  endpoint=..., use_proto_plus=True, version=API_VERSION)``; ``load_from_dict`` would refresh the token at
  construction (a network call), so the client is built from the stored access token instead. When the token
  has expired and a refresh token plus OAuth client are given, google-auth refreshes it against ``token_uri``.
* ``get_service(name, is_async=True)`` gives the ``grpc_asyncio`` transport, so no call blocks the loop.
  The SDK's interceptors add the ``developer-token`` and ``login-customer-id`` metadata.
* Reads are GAQL through ``GoogleAdsService.SearchStream`` (one query = one quota operation regardless of
  rows); writes go through ``GoogleAdsService.Mutate`` with ``partial_failure`` and ``validate_only``.
* ``login-customer-id``: a manager the user directly accesses, acting for a client. ``Credentials.
  login_customer_id`` wins; otherwise the manager through which :meth:`list_accounts` found the client, else
  the account itself.

Error mapping (see :mod:`.errors`): ``quota_error.*`` / gRPC ``RESOURCE_EXHAUSTED`` -> :class:`RateLimited`
(scope ``"developer_token"``, the quota is per developer token) honouring ``QuotaErrorDetails.retry_delay``;
waits up to ``backoff_cap_s`` are slept through and retried. ``authentication_error.*`` and
``authorization_error.*`` (``OAUTH_TOKEN_REVOKED``, ``USER_PERMISSION_DENIED``...) and a failed token refresh
-> :class:`ReconnectRequired`. ``internal_error.*`` and gRPC ``INTERNAL``/``UNAVAILABLE``/
``DEADLINE_EXCEEDED`` -> :class:`TransientPlatformError` after retries with exponential back-off (the
injected ``sleep``). Creates are not retried on transient errors (the item may exist). Everything else ->
:class:`InvalidRequest`. Tokens, the client secret and the developer token never appear in a message.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

import grpc
from google.ads.googleads.client import GoogleAdsClient
from google.ads.googleads.errors import GoogleAdsException
from google.api_core import exceptions as core_exceptions
from google.auth import exceptions as auth_exceptions
from google.auth.transport.requests import Request as GoogleAuthRequest
from google.oauth2.credentials import Credentials as OAuthCredentials
from google.protobuf import field_mask_pb2

from adpilot_common.text_width import display_width
from adpilot_connectors.platforms.base import (
    Ad,
    AdAccount,
    AdGroup,
    Campaign,
    Credentials,
    DailyMetric,
    ErrorKind,
    InvalidRequest,
    Level,
    NewAd,
    NewAdGroup,
    NewCampaign,
    Platform,
    RateLimited,
    ReconnectRequired,
    Status,
    TransientPlatformError,
    WriteResult,
)
from adpilot_connectors.platforms.google_ads.errors import (
    ErrorItem,
    Problem,
    classify,
    classify_items,
    error_items,
    failure_from_status,
)

logger = logging.getLogger(__name__)

API_VERSION = "v26"  # the newest version google-ads 34.x supports; bump together with the SDK
DEFAULT_ENDPOINT = "googleads.googleapis.com"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"

MICROS = Decimal(1_000_000)
METRICS_BATCH_MAX = 1000
HEADLINES_MIN, HEADLINES_MAX, HEADLINE_LEN = 3, 15, 30
DESCRIPTIONS_MIN, DESCRIPTIONS_MAX, DESCRIPTION_LEN = 2, 4, 90
PATH_LEN = 15
NAME_MAX = 255

CUSTOMER_QUERY = (
    "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone, "
    "customer.manager, customer.status FROM customer"
)
CUSTOMER_CLIENT_QUERY = (
    "SELECT customer_client.id, customer_client.descriptive_name, customer_client.currency_code, "
    "customer_client.time_zone, customer_client.manager, customer_client.status, customer_client.level "
    "FROM customer_client WHERE customer_client.level > 0"
)
CAMPAIGN_QUERY = (
    "SELECT campaign.id, campaign.name, campaign.status, campaign.advertising_channel_type, "
    "campaign.campaign_budget, campaign_budget.amount_micros FROM campaign"
)
AD_GROUP_QUERY = "SELECT ad_group.id, ad_group.name, ad_group.status, campaign.id FROM ad_group"
AD_QUERY = (
    "SELECT ad_group_ad.ad.id, ad_group_ad.ad.name, ad_group_ad.status, ad_group.id, "
    "ad_group_ad.ad.final_urls, ad_group_ad.ad.responsive_search_ad.headlines, "
    "ad_group_ad.ad.responsive_search_ad.descriptions FROM ad_group_ad"
)
METRICS_QUERY = (
    "SELECT customer.id, customer.currency_code, campaign.id, ad_group.id, ad_group_ad.ad.id, segments.date, "
    "metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, metrics.conversions_value "
    "FROM ad_group_ad WHERE segments.date BETWEEN '{start}' AND '{end}'"
)

_STATUS_NAMES = {"ENABLED": Status.ENABLED, "PAUSED": Status.PAUSED, "REMOVED": Status.REMOVED}
_CUSTOMER_STATUS = {"ENABLED": Status.ENABLED, "SUSPENDED": Status.PAUSED, "CANCELED": Status.REMOVED}
_CUSTOMER_STATUS.update({"CLOSED": Status.REMOVED})

Sleep = Callable[[float], Awaitable[Any]]
T = TypeVar("T")


def _types(module: str) -> Any:
    return importlib.import_module(f"google.ads.googleads.{API_VERSION}.{module}")


def normalize_customer_id(value: str, what: str = "customer id") -> str:
    """``"123-456-7890"`` -> ``"1234567890"``; anything but digits is refused (ids are pasted into GAQL)."""
    digits = str(value).replace("-", "").strip()
    if not digits.isdigit():
        raise InvalidRequest(f"Google Ads: {value!r} is not a {what}")
    return digits


def _enum_name(value: Any) -> str:
    return str(getattr(value, "name", value))


def _status(value: Any) -> Status:
    return _STATUS_NAMES.get(_enum_name(value), Status.PAUSED)


def _id_of(resource_name: str) -> str:
    """``customers/1/campaigns/2`` -> ``2``; ``customers/1/adGroupAds/3~4`` -> ``4``."""
    return resource_name.rsplit("/", 1)[-1].rsplit("~", 1)[-1]


def to_micros(value: Any) -> int:
    """A currency amount (float from the API) -> integer micros, exactly for what the float prints as."""
    return int((Decimal(repr(float(value))) * MICROS).to_integral_value(rounding=ROUND_HALF_EVEN))


def _name_problems(what: str, name: str) -> list[str]:
    if not name.strip():
        return [f"{what} is empty"]
    if len(name) > NAME_MAX:
        return [f"{what} is longer than {NAME_MAX} characters"]
    return []


def _id_problems(what: str, value: str) -> list[str]:
    return [] if str(value).strip().isdigit() else [f"{what} {value!r} is not a Google Ads id"]


def ad_group_targeting_problems(item: NewAdGroup) -> list[str]:
    """Search campaigns target locations (and are best left to target ages) per campaign, not per ad group:
    refuse rather than create an ad group that serves wider than asked."""
    if item.countries or item.location_ids or item.age_min is not None or item.age_max is not None:
        return ["Google Ads targets locations and ages per campaign; remove the ad group's targeting"]
    return []


_ITEM_KINDS: dict[str, ErrorKind] = {
    "rate": ErrorKind.RATE_LIMITED,
    "reconnect": ErrorKind.RECONNECT_REQUIRED,
    "transient": ErrorKind.TRANSIENT,
}


def _item_kind(item: ErrorItem) -> ErrorKind:
    """The kind of one operation's error in a partial-failure answer (policy_finding_error.*, ...)."""
    if item.category.startswith("policy_"):
        return ErrorKind.POLICY
    return _ITEM_KINDS.get(classify_items([item]), ErrorKind.INVALID_REQUEST)


def rsa_problems(item: NewAd) -> list[str]:
    """Responsive search ad limits and the ad group id, checked before anything is sent."""
    return _id_problems("ad group id", item.ad_group_id) + rsa_copy_problems(item)


def rsa_copy_problems(item: NewAd) -> list[str]:
    """Responsive search ad limits of the copy alone (also checked when a bulk write is submitted)."""
    problems = _name_problems("ad name", item.name) if item.name else []
    if not HEADLINES_MIN <= len(item.headlines) <= HEADLINES_MAX:
        problems.append(f"needs {HEADLINES_MIN}-{HEADLINES_MAX} headlines, got {len(item.headlines)}")
    if not DESCRIPTIONS_MIN <= len(item.descriptions) <= DESCRIPTIONS_MAX:
        problems.append(
            f"needs {DESCRIPTIONS_MIN}-{DESCRIPTIONS_MAX} descriptions, got {len(item.descriptions)}"
        )
    for n, text in enumerate(item.headlines, 1):
        if not text.strip():
            problems.append(f"headline {n} is empty")
        elif display_width(text) > HEADLINE_LEN:
            problems.append(f"headline {n} is longer than {HEADLINE_LEN} characters")
    for n, text in enumerate(item.descriptions, 1):
        if not text.strip():
            problems.append(f"description {n} is empty")
        elif display_width(text) > DESCRIPTION_LEN:
            problems.append(f"description {n} is longer than {DESCRIPTION_LEN} characters")
    if len(set(item.headlines)) != len(item.headlines):
        problems.append("headlines must be distinct")
    for label, path in (("path1", item.path1), ("path2", item.path2)):
        if path is not None and display_width(path) > PATH_LEN:
            problems.append(f"{label} is longer than {PATH_LEN} characters")
    if item.path2 and not item.path1:
        problems.append("path2 needs path1")
    parts = urlsplit(item.final_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append("final_url must be an http(s) URL")
    return problems


@dataclass
class _AccountInfo:
    account: AdAccount
    login_customer_id: str | None


class GoogleAdsPlatformClient:
    """One Google user's OAuth grant, used with the app's developer token.

    ``client_id``/``client_secret`` (the OAuth client) and ``token_uri`` are only used to refresh an expired
    access token with ``Credentials.refresh_token``; :meth:`current_credentials` returns the refreshed token so
    the caller can store it.
    """

    platform = Platform.GOOGLE

    def __init__(
        self,
        credentials: Credentials,
        *,
        developer_token: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_uri: str = DEFAULT_TOKEN_URI,
        endpoint: str | None = None,
        max_retries: int = 5,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        rate_limit_cooldown_s: float = 300.0,
        sleep: Sleep = asyncio.sleep,
        timeout_s: float = 300.0,
        metrics_batch_size: int = METRICS_BATCH_MAX,
        metrics_window_days: int = 31,
    ) -> None:
        if not credentials.access_token and not credentials.refresh_token:
            raise ReconnectRequired("Google Ads: no OAuth token; link the account again")
        if not developer_token:
            raise ValueError("developer_token is required")
        if not 1 <= metrics_batch_size <= METRICS_BATCH_MAX:
            raise ValueError(f"metrics_batch_size must be within 1..{METRICS_BATCH_MAX}")
        if max_retries < 0 or metrics_window_days < 1:
            raise ValueError("max_retries must be >= 0 and metrics_window_days >= 1")
        expiry = credentials.expires_at
        if expiry is not None and expiry.tzinfo is not None:
            expiry = expiry.astimezone(UTC).replace(tzinfo=None)  # google-auth compares naive UTC
        self._oauth = OAuthCredentials(  # type: ignore[no-untyped-call]
            token=credentials.access_token or None,
            refresh_token=credentials.refresh_token,
            token_uri=token_uri,
            client_id=client_id,
            client_secret=client_secret,
            scopes=[ADWORDS_SCOPE],
            expiry=expiry,
        )
        self._credentials = credentials
        self._login_override = (
            normalize_customer_id(credentials.login_customer_id) if credentials.login_customer_id else None
        )
        self._secrets = tuple(
            s
            for s in (credentials.access_token, credentials.refresh_token, client_secret, developer_token)
            if s
        )
        self._developer_token = developer_token
        self._endpoint = endpoint
        self._max_retries = max_retries
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._cooldown_s = rate_limit_cooldown_s
        self._sleep = sleep
        self._timeout = timeout_s
        self._batch = metrics_batch_size
        self._window_days = metrics_window_days
        self._sdk: dict[str | None, GoogleAdsClient] = {}
        self._services: dict[tuple[str | None, str], Any] = {}
        self._accounts: dict[str, _AccountInfo] = {}
        self._refresh_lock = asyncio.Lock()

    def __repr__(self) -> str:  # never a token
        return f"GoogleAdsPlatformClient(version={API_VERSION!r}, endpoint={self._endpoint or DEFAULT_ENDPOINT!r})"

    def current_credentials(self) -> Credentials:
        """The credentials with the access token google-auth may have refreshed since construction."""
        expiry = self._oauth.expiry.replace(tzinfo=UTC) if self._oauth.expiry else None
        return Credentials(
            access_token=self._oauth.token or "",
            refresh_token=self._oauth.refresh_token,
            expires_at=expiry,
            login_customer_id=self._credentials.login_customer_id,
        )

    async def aclose(self) -> None:
        services, self._services = list(self._services.values()), {}
        for service in services:
            try:
                await service.transport.close()
            except Exception:
                logger.debug("Google Ads: closing a channel failed", exc_info=True)

    async def __aenter__(self) -> GoogleAdsPlatformClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------------------------------- transport

    def _service(self, name: str, login: str | None) -> Any:
        key = (login, name)
        if key not in self._services:
            if login not in self._sdk:
                self._sdk[login] = GoogleAdsClient(
                    credentials=self._oauth,
                    developer_token=self._developer_token,
                    endpoint=self._endpoint,
                    login_customer_id=login,
                    use_proto_plus=True,
                    version=API_VERSION,
                )
            self._services[key] = self._sdk[login].get_service(name, version=API_VERSION, is_async=True)
        return self._services[key]

    def _login_for(self, account_id: str) -> str:
        if self._login_override:
            return self._login_override
        info = self._accounts.get(account_id)
        return (info.login_customer_id if info else None) or account_id

    async def _ensure_token(self) -> None:
        """Refresh an expired access token here (in a worker thread) rather than inside gRPC's auth plugin,
        where a revoked grant would only surface as ``UNAVAILABLE``."""
        if self._oauth.valid:
            return
        if not self._oauth.refresh_token:
            raise ReconnectRequired("Google Ads: the access token expired and there is no refresh token")
        async with self._refresh_lock:
            if not self._oauth.valid:
                await asyncio.to_thread(self._oauth.refresh, GoogleAuthRequest())

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        text = re.sub(r"(?i)(bearer\s+)[A-Za-z0-9._\-~+/=]+", r"\1[redacted]", text)
        return text[:600]

    def _backoff(self, attempt: int) -> float:
        return float(min(self._backoff_cap_s, self._backoff_base_s * (2**attempt)))

    async def _call(self, what: str, attempt_fn: Callable[[], Awaitable[T]], *, retry_transient: bool) -> T:
        attempt = 0
        while True:
            try:
                await self._ensure_token()
                return await attempt_fn()
            except (
                GoogleAdsException,
                core_exceptions.GoogleAPICallError,
                grpc.RpcError,
                auth_exceptions.RefreshError,
                auth_exceptions.TransportError,
                TimeoutError,
            ) as exc:
                problem = classify(exc, API_VERSION)
            delay = self._retry_delay(problem, attempt, retry_transient)
            message = self._clean(problem.message)
            if delay is None:
                raise self._error(what, problem, message, attempt) from None
            logger.warning(
                "Google Ads %s: %s; retry %d/%d in %.1fs",
                what,
                message,
                attempt + 1,
                self._max_retries,
                delay,
            )
            await self._sleep(delay)
            attempt += 1

    def _retry_delay(self, problem: Problem, attempt: int, retry_transient: bool) -> float | None:
        if attempt >= self._max_retries:
            return None
        if problem.kind == "rate":
            wait = problem.retry_after_s if problem.retry_after_s is not None else self._backoff(attempt)
            return wait if wait <= self._backoff_cap_s else None  # longer waits: the caller pauses the token
        if problem.kind == "transient" and retry_transient:
            return self._backoff(attempt)
        return None

    def _error(self, what: str, problem: Problem, message: str, attempt: int) -> Exception:
        text = f"Google Ads {what}: {message}"
        if problem.kind == "rate":
            wait = problem.retry_after_s if problem.retry_after_s is not None else self._cooldown_s
            return RateLimited(
                f"{text} (gave up after {attempt + 1} attempts)", retry_after_s=wait, scope="developer_token"
            )
        if problem.kind == "reconnect":
            return ReconnectRequired(f"{text}; link the Google Ads account again")
        if problem.kind == "transient":
            return TransientPlatformError(f"{text} (gave up after {attempt + 1} attempts)")
        return InvalidRequest(text)

    async def _search(self, account_id: str, query: str, *, login: str | None = None) -> list[Any]:
        """All rows of one GAQL query (SearchStream), retried as a whole so no row is seen twice."""
        customer_id = normalize_customer_id(account_id)
        service = self._service("GoogleAdsService", login or self._login_for(customer_id))

        async def attempt() -> list[Any]:
            stream = await service.search_stream(customer_id=customer_id, query=query, timeout=self._timeout)
            rows: list[Any] = []
            async for batch in stream:
                rows.extend(batch.results)
            return rows

        resource = query.split(" FROM ", 1)[-1].split()[0]
        return await self._call(f"search {resource} ({customer_id})", attempt, retry_transient=True)

    async def _mutate(
        self,
        account_id: str,
        operations: list[Any],
        *,
        what: str,
        partial_failure: bool,
        validate_only: bool,
        retry_transient: bool,
    ) -> Any:
        customer_id = normalize_customer_id(account_id)
        service = self._service("GoogleAdsService", self._login_for(customer_id))
        request = _types("services.types.google_ads_service").MutateGoogleAdsRequest(
            customer_id=customer_id,
            mutate_operations=operations,
            partial_failure=partial_failure,
            validate_only=validate_only,
        )

        async def attempt() -> Any:
            return await service.mutate(request=request, timeout=self._timeout)

        return await self._call(f"{what} ({customer_id})", attempt, retry_transient=retry_transient)

    # ----------------------------------------------------------------------------------------------- reads

    async def list_accounts(self) -> list[AdAccount]:
        """Directly accessible customers, plus the clients under accessible managers (deduplicated)."""
        service = self._service("CustomerService", None)

        async def attempt() -> Any:
            return await service.list_accessible_customers(timeout=self._timeout)

        response = await self._call("list accessible customers", attempt, retry_transient=True)
        accessible = [normalize_customer_id(_id_of(name)) for name in response.resource_names]
        found: dict[str, _AccountInfo] = {}
        for customer_id in accessible:
            try:
                rows = await self._search(
                    customer_id, CUSTOMER_QUERY, login=self._login_override or customer_id
                )
            except InvalidRequest as exc:  # e.g. a cancelled account: skip it, keep the others
                logger.warning("Google Ads: skipping customer %s: %s", customer_id, exc)
                continue
            for row in rows:
                account = self._account(row.customer)
                found[account.external_id] = _AccountInfo(account, self._login_override or customer_id)
        for manager_id in [a for a, info in found.items() if info.account.is_manager and a in accessible]:
            login = self._login_override or manager_id
            for row in await self._search(manager_id, CUSTOMER_CLIENT_QUERY, login=login):
                account = self._account(row.customer_client)
                if account.external_id not in found:
                    found[account.external_id] = _AccountInfo(account, login)
        self._accounts.update(found)
        return [info.account for info in found.values()]

    @staticmethod
    def _account(customer: Any) -> AdAccount:
        return AdAccount(
            external_id=str(customer.id),
            name=str(customer.descriptive_name),
            currency=str(customer.currency_code),
            time_zone=str(customer.time_zone),
            status=_CUSTOMER_STATUS.get(_enum_name(customer.status), Status.PAUSED),
            is_manager=bool(customer.manager),
        )

    async def _account_info(self, account_id: str) -> AdAccount:
        customer_id = normalize_customer_id(account_id)
        if customer_id not in self._accounts:
            rows = await self._search(customer_id, CUSTOMER_QUERY)
            if not rows:
                raise InvalidRequest(f"Google Ads: customer {customer_id} not found")
            self._accounts[customer_id] = _AccountInfo(self._account(rows[0].customer), None)
        return self._accounts[customer_id].account

    async def list_campaigns(self, account_id: str) -> list[Campaign]:
        customer_id = normalize_customer_id(account_id)
        return [
            Campaign(
                external_id=str(row.campaign.id),
                account_id=customer_id,
                name=str(row.campaign.name),
                status=_status(row.campaign.status),
                objective=_enum_name(row.campaign.advertising_channel_type),
                daily_budget_micros=int(row.campaign_budget.amount_micros)
                if "campaign_budget" in row and row.campaign_budget.amount_micros
                else None,
            )
            for row in await self._search(customer_id, CAMPAIGN_QUERY)
        ]

    async def list_ad_groups(self, account_id: str) -> list[AdGroup]:
        customer_id = normalize_customer_id(account_id)
        return [
            AdGroup(
                external_id=str(row.ad_group.id),
                account_id=customer_id,
                campaign_id=str(row.campaign.id),
                name=str(row.ad_group.name),
                status=_status(row.ad_group.status),
            )
            for row in await self._search(customer_id, AD_GROUP_QUERY)
        ]

    async def list_ads(self, account_id: str) -> list[Ad]:
        customer_id = normalize_customer_id(account_id)
        ads = []
        for row in await self._search(customer_id, AD_QUERY):
            ad = row.ad_group_ad.ad
            rsa = ad.responsive_search_ad
            ads.append(
                Ad(
                    external_id=str(ad.id),
                    account_id=customer_id,
                    ad_group_id=str(row.ad_group.id),
                    name=str(ad.name),
                    status=_status(row.ad_group_ad.status),
                    headlines=tuple(str(a.text) for a in rsa.headlines),
                    descriptions=tuple(str(a.text) for a in rsa.descriptions),
                    final_url=str(ad.final_urls[0]) if len(ad.final_urls) else None,
                )
            )
        return ads

    async def fetch_daily_metrics(
        self, account_id: str, start: date, end: date
    ) -> AsyncIterator[list[DailyMetric]]:
        """Ad-level daily rows (``ad_group_ad``); managers have no metrics and yield nothing.

        Each window of ``metrics_window_days`` is read completely (with retries) before its rows are yielded
        in batches of at most ``metrics_batch_size``, so a retry never repeats rows already handed out.
        """
        if end < start:
            return
        customer_id = normalize_customer_id(account_id)
        account = await self._account_info(customer_id)
        if account.is_manager:
            return
        cursor = start
        while cursor <= end:
            stop = min(end, cursor + timedelta(days=self._window_days - 1))
            query = METRICS_QUERY.format(start=cursor.isoformat(), end=stop.isoformat())
            rows = await self._search(customer_id, query)
            batch: list[DailyMetric] = []
            for row in rows:
                batch.append(self._metric(customer_id, account.currency, row))
                if len(batch) >= self._batch:
                    yield batch
                    batch = []
            if batch:
                yield batch
            cursor = stop + timedelta(days=1)

    @staticmethod
    def _metric(customer_id: str, currency: str, row: Any) -> DailyMetric:
        metrics = row.metrics
        return DailyMetric(
            account_id=customer_id,
            campaign_id=str(row.campaign.id),
            ad_group_id=str(row.ad_group.id),
            ad_id=str(row.ad_group_ad.ad.id),
            day=date.fromisoformat(str(row.segments.date)),
            currency=str(row.customer.currency_code) or currency,
            impressions=int(metrics.impressions),
            clicks=int(metrics.clicks),
            spend_micros=int(metrics.cost_micros),
            conversions=Decimal(repr(float(metrics.conversions))),
            conversion_value_micros=to_micros(metrics.conversions_value),
        )

    # ---------------------------------------------------------------------------------------------- writes

    async def _bulk(
        self,
        account_id: str,
        count: int,
        problems: dict[int, list[str]],
        build: Callable[[int, int], list[Any]],
        result_field: str,
        *,
        what: str,
        validate_only: bool,
    ) -> list[WriteResult]:
        """Send the items without client-side problems in one partial-failure Mutate; one result per item.

        ``build(item_index, temp_id)`` returns the item's operations; the last one's result carries its id.
        """
        results: dict[int, WriteResult] = {
            i: WriteResult(index=i, error="; ".join(p), error_kind=ErrorKind.INVALID_REQUEST)
            for i, p in problems.items()
            if p
        }
        operations: list[Any] = []
        owner: list[int] = []
        last_op: dict[int, int] = {}
        for i in range(count):
            if i in results:
                continue
            ops = build(i, -(len(last_op) + 1))
            operations.extend(ops)
            owner.extend([i] * len(ops))
            last_op[i] = len(operations) - 1
        if operations:
            response = await self._mutate(
                account_id,
                operations,
                what=what,
                partial_failure=True,
                validate_only=validate_only,
                retry_transient=False,
            )
            errors: dict[int, list[str]] = {}
            kinds: dict[int, ErrorKind] = {}
            failure = (
                failure_from_status(response.partial_failure_error, API_VERSION)
                if "partial_failure_error" in response
                else None
            )
            for item in error_items(failure) if failure is not None else []:
                targets = [owner[item.operation_index]] if item.operation_index is not None else list(last_op)
                for target in targets:
                    errors.setdefault(target, []).append(self._clean(item.describe()))
                    kind = _item_kind(item)
                    if kinds.get(target) in (None, ErrorKind.INVALID_REQUEST):  # the more specific kind wins
                        kinds[target] = kind
            responses = list(response.mutate_operation_responses)
            for i, op_index in last_op.items():
                if i in errors:
                    results[i] = WriteResult(
                        index=i, error="; ".join(dict.fromkeys(errors[i])), error_kind=kinds.get(i)
                    )
                    continue
                external_id = None
                if not validate_only and op_index < len(responses):
                    name = getattr(responses[op_index], result_field).resource_name
                    external_id = _id_of(name) if name else None
                results[i] = WriteResult(index=i, external_id=external_id)
        return [results[i] for i in range(count)]

    async def create_campaigns(
        self, account_id: str, items: Sequence[NewCampaign], *, validate_only: bool = False
    ) -> list[WriteResult]:
        """Search campaigns with manual CPC, each with its own (unshared) daily budget; created PAUSED unless
        the item asks for ENABLED."""
        customer_id = normalize_customer_id(account_id)
        svc = _types("services.types.google_ads_service")
        budget_svc = _types("services.types.campaign_budget_service")
        campaign_svc = _types("services.types.campaign_service")
        campaign_res = _types("resources.types.campaign")
        channel = _types(
            "enums.types.advertising_channel_type"
        ).AdvertisingChannelTypeEnum.AdvertisingChannelType
        campaign_status = _types("enums.types.campaign_status").CampaignStatusEnum.CampaignStatus
        delivery = _types("enums.types.budget_delivery_method").BudgetDeliveryMethodEnum.BudgetDeliveryMethod
        political = _types("enums.types.eu_political_advertising_status")
        eu = political.EuPoliticalAdvertisingStatusEnum.EuPoliticalAdvertisingStatus

        problems: dict[int, list[str]] = {}
        for i, item in enumerate(items):
            found = _name_problems("campaign name", item.name)
            if item.daily_budget_micros <= 0:
                found.append("daily budget must be positive")
            elif item.daily_budget_micros % 10_000:
                found.append("daily budget must be a multiple of 10,000 micros (0.01 of the currency)")
            if item.objective and item.objective.upper() not in channel.__members__:
                found.append(f"unknown advertising channel type {item.objective!r}")
            if item.status == Status.REMOVED:
                found.append("a new campaign cannot be REMOVED")
            problems[i] = found

        def build(i: int, temp_id: int) -> list[Any]:
            item = items[i]
            budget_name = f"customers/{customer_id}/campaignBudgets/{temp_id}"
            budget = _types("resources.types.campaign_budget").CampaignBudget(
                resource_name=budget_name,
                name=f"{item.name} budget",
                amount_micros=item.daily_budget_micros,
                delivery_method=delivery.STANDARD,
                explicitly_shared=False,
            )
            campaign = campaign_res.Campaign(
                name=item.name,
                status=campaign_status[item.status.value],
                advertising_channel_type=channel[(item.objective or "SEARCH").upper()],
                campaign_budget=budget_name,
                manual_cpc=_types("common.types.bidding").ManualCpc(),
                network_settings=campaign_res.Campaign.NetworkSettings(
                    target_google_search=True, target_search_network=True
                ),
                contains_eu_political_advertising=eu.DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING,
            )
            return [
                svc.MutateOperation(
                    campaign_budget_operation=budget_svc.CampaignBudgetOperation(create=budget)
                ),
                svc.MutateOperation(campaign_operation=campaign_svc.CampaignOperation(create=campaign)),
            ]

        return await self._bulk(
            customer_id,
            len(items),
            problems,
            build,
            "campaign_result",
            what="create campaigns",
            validate_only=validate_only,
        )

    async def create_ad_groups(
        self, account_id: str, items: Sequence[NewAdGroup], *, validate_only: bool = False
    ) -> list[WriteResult]:
        customer_id = normalize_customer_id(account_id)
        svc = _types("services.types.google_ads_service")
        ad_group_svc = _types("services.types.ad_group_service")
        status_enum = _types("enums.types.ad_group_status").AdGroupStatusEnum.AdGroupStatus
        type_enum = _types("enums.types.ad_group_type").AdGroupTypeEnum.AdGroupType
        problems = {
            i: _name_problems("ad group name", item.name)
            + _id_problems("campaign id", item.campaign_id)
            + ad_group_targeting_problems(item)
            for i, item in enumerate(items)
        }

        def build(i: int, _temp_id: int) -> list[Any]:
            item = items[i]
            group = _types("resources.types.ad_group").AdGroup(
                name=item.name,
                campaign=f"customers/{customer_id}/campaigns/{item.campaign_id.strip()}",
                status=status_enum[item.status.value],
                type_=type_enum.SEARCH_STANDARD,
            )
            return [svc.MutateOperation(ad_group_operation=ad_group_svc.AdGroupOperation(create=group))]

        return await self._bulk(
            customer_id,
            len(items),
            problems,
            build,
            "ad_group_result",
            what="create ad groups",
            validate_only=validate_only,
        )

    async def create_ads(
        self, account_id: str, items: Sequence[NewAd], *, validate_only: bool = False
    ) -> list[WriteResult]:
        """Responsive search ads; the RSA limits are checked before sending (failing items are not sent). The
        Meta/TikTok-only fields of :class:`NewAd` (call to action, media, identity) have no place in an RSA
        and are not sent."""
        customer_id = normalize_customer_id(account_id)
        svc = _types("services.types.google_ads_service")
        ad_group_ad_svc = _types("services.types.ad_group_ad_service")
        status_enum = _types("enums.types.ad_group_ad_status").AdGroupAdStatusEnum.AdGroupAdStatus
        asset = _types("common.types.ad_asset").AdTextAsset
        problems = {i: rsa_problems(item) for i, item in enumerate(items)}

        def build(i: int, _temp_id: int) -> list[Any]:
            item = items[i]
            rsa = _types("common.types.ad_type_infos").ResponsiveSearchAdInfo(
                headlines=[asset(text=h) for h in item.headlines],
                descriptions=[asset(text=d) for d in item.descriptions],
            )
            if item.path1:
                rsa.path1 = item.path1
            if item.path2:
                rsa.path2 = item.path2
            ad = _types("resources.types.ad").Ad(
                name=item.name, final_urls=[item.final_url], responsive_search_ad=rsa
            )
            ad_group_ad = _types("resources.types.ad_group_ad").AdGroupAd(
                ad_group=f"customers/{customer_id}/adGroups/{item.ad_group_id.strip()}",
                status=status_enum[item.status.value],
                ad=ad,
            )
            return [
                svc.MutateOperation(
                    ad_group_ad_operation=ad_group_ad_svc.AdGroupAdOperation(create=ad_group_ad)
                )
            ]

        return await self._bulk(
            customer_id,
            len(items),
            problems,
            build,
            "ad_group_ad_result",
            what="create ads",
            validate_only=validate_only,
        )

    async def _ad_resource(self, customer_id: str, external_id: str) -> str:
        """``adGroupAds/{ad_group}~{ad}``; the ad's group is looked up when only the ad id is given."""
        if "~" in external_id:
            group, ad = external_id.split("~", 1)
            return (
                f"customers/{customer_id}/adGroupAds/"
                f"{normalize_customer_id(group, 'ad group id')}~{normalize_customer_id(ad, 'ad id')}"
            )
        ad_id = normalize_customer_id(external_id, "ad id")
        rows = await self._search(
            customer_id,
            f"SELECT ad_group.id, ad_group_ad.ad.id FROM ad_group_ad WHERE ad_group_ad.ad.id = {ad_id}",  # noqa: S608 - digits only
        )
        if not rows:
            raise InvalidRequest(f"Google Ads: ad {ad_id} not found in customer {customer_id}")
        return f"customers/{customer_id}/adGroupAds/{rows[0].ad_group.id}~{ad_id}"

    async def set_status(self, account_id: str, level: Level, external_id: str, status: Status) -> None:
        """ENABLED/PAUSED update the ``status`` field; REMOVED sends a remove operation (Google refuses
        setting REMOVED through an update)."""
        customer_id = normalize_customer_id(account_id)
        svc = _types("services.types.google_ads_service")
        if level == Level.CAMPAIGN:
            resource = (
                f"customers/{customer_id}/campaigns/{normalize_customer_id(external_id, 'campaign id')}"
            )
            op_cls = _types("services.types.campaign_service").CampaignOperation
            make = _types("resources.types.campaign").Campaign
            enum = _types("enums.types.campaign_status").CampaignStatusEnum.CampaignStatus
            field = "campaign_operation"
        elif level == Level.AD_GROUP:
            resource = f"customers/{customer_id}/adGroups/{normalize_customer_id(external_id, 'ad group id')}"
            op_cls = _types("services.types.ad_group_service").AdGroupOperation
            make = _types("resources.types.ad_group").AdGroup
            enum = _types("enums.types.ad_group_status").AdGroupStatusEnum.AdGroupStatus
            field = "ad_group_operation"
        else:
            resource = await self._ad_resource(customer_id, external_id)
            op_cls = _types("services.types.ad_group_ad_service").AdGroupAdOperation
            make = _types("resources.types.ad_group_ad").AdGroupAd
            enum = _types("enums.types.ad_group_ad_status").AdGroupAdStatusEnum.AdGroupAdStatus
            field = "ad_group_ad_operation"
        if status == Status.REMOVED:
            operation = op_cls(remove=resource)
        else:
            operation = op_cls(
                update=make(resource_name=resource, status=enum[status.value]),
                update_mask=field_mask_pb2.FieldMask(paths=["status"]),
            )
        await self._mutate(
            customer_id,
            [svc.MutateOperation(**{field: operation})],
            what=f"set {level.value} status",
            partial_failure=False,
            validate_only=False,
            retry_transient=True,
        )

    async def set_daily_budget(self, account_id: str, campaign_id: str, daily_budget_micros: int) -> None:
        """Updates the campaign's budget (``campaign.campaign_budget``) amount; a shared budget changes for
        every campaign using it."""
        customer_id = normalize_customer_id(account_id)
        if daily_budget_micros <= 0 or daily_budget_micros % 10_000:
            raise InvalidRequest("Google Ads: the daily budget must be a positive multiple of 10,000 micros")
        cid = normalize_customer_id(campaign_id, "campaign id")
        rows = await self._search(
            customer_id,
            f"SELECT campaign.id, campaign.campaign_budget FROM campaign WHERE campaign.id = {cid}",  # noqa: S608 - digits only
        )
        if not rows or not rows[0].campaign.campaign_budget:
            raise InvalidRequest(
                f"Google Ads: campaign {cid} (or its budget) not found in customer {customer_id}"
            )
        budget = _types("resources.types.campaign_budget").CampaignBudget(
            resource_name=rows[0].campaign.campaign_budget, amount_micros=daily_budget_micros
        )
        operation = _types("services.types.campaign_budget_service").CampaignBudgetOperation(
            update=budget, update_mask=field_mask_pb2.FieldMask(paths=["amount_micros"])
        )
        await self._mutate(
            customer_id,
            [
                _types("services.types.google_ads_service").MutateOperation(
                    campaign_budget_operation=operation
                )
            ],
            what="set daily budget",
            partial_failure=False,
            validate_only=False,
            retry_transient=True,
        )

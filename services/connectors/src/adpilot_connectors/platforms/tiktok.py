"""TikTok Marketing API v1.3 client (httpx, async) implementing :class:`AdPlatformClient`.

API facts this client relies on (checked against TikTok's own ``tiktok-business-api-sdk`` docs, Airbyte's
``source-tiktok-marketing`` manifest/tests, singer ``tap-tiktok-ads`` and PostHog's ``tiktok_ads`` source):

* Host ``https://business-api.tiktok.com`` (sandbox ``https://sandbox-ads.tiktok.com``), paths
  ``/open_api/v1.3/<resource>/<verb>/`` with a trailing slash.
* The token goes in an ``Access-Token`` header (never ``Authorization: Bearer``). Advertiser tokens are
  long-lived and have no refresh flow, so an auth error means the user has to link the account again.
* GET parameters are query strings; lists and objects (``fields``, ``filtering``, ``dimensions``,
  ``metrics``, ``advertiser_ids``) are JSON-encoded strings. POST bodies are JSON.
* Every answer is HTTP 200 with an envelope ``{"code", "message", "request_id", "data"}``; ``code != 0`` is
  an error (see :data:`RATE_LIMIT_CODES`, :data:`RECONNECT_CODES`, :data:`TRANSIENT_CODES`).
* Lists page with ``page``/``page_size`` and ``data.page_info.total_page``.
* ``/report/integrated/get/`` rows are ``{"dimensions": {...}, "metrics": {...}}`` with every value a
  string and ``"-"`` for "no data"; a ``stat_time_day`` query may span at most 30 days.

Error mapping (where each code comes from):

* ``40100`` "App reaches the QPS limit" (Airbyte's unit tests and manifest, singer, PostHog) and HTTP 429:
  back off and retry; honour a ``Retry-After`` header when present, otherwise exponential back-off with a
  cap; after ``max_retries`` raise :class:`RateLimited` (scope ``"app"``: TikTok throttles per app/token).
  A message naming the daily quota (QPD) raises at once with ``retry_after_s`` = time to 00:00 UTC, when TikTok
  resets it (PostHog, citing TikTok's rate-limit page).
* ``40001`` (advertiser deleted / "advertiser does not grant you <endpoint> permission", PostHog PRs
  #61581, #82183), ``40105`` "Access token is incorrect or has been revoked" (Airbyte tests, PostHog
  #78577), ``40110`` invalid auth code (PostHog #78577), ``40104`` "Access token is null" and HTTP 401/403:
  :class:`ReconnectRequired`, never retried. ``40102`` (token expired) and ``40103``/``40107`` (refresh token
  expired/invalid) come from ByteDance's shared 401xx auth table (Ocean Engine, whose 40100/40101/40104/40105
  match TikTok's); not seen in TikTok answers, mapped the same way.
* ``40002`` is **not** an auth code: TikTok uses it for parameter errors ("Please correct the information in
  invalid metric fields", "max time span is 30 days when use stat_time_day", "You must upload an image"), so
  it maps to :class:`InvalidRequest` like every other non-zero code (``40000`` is the generic params error).
* ``50000`` (singer), ``50001``/``50002`` (PostHog), HTTP 5xx, timeouts, connection errors and unparseable
  200s: :class:`TransientPlatformError`, retried with back-off. Creates are **not** retried on these (the
  item may exist; retrying could duplicate it) - only on rate limits, which TikTok refuses before doing work.

The token and app secret never reach an exception message or a log line: messages from TikTok are scrubbed,
httpx exceptions are not chained, and a filter strips ``secret=`` from httpx's request log lines (the
``/oauth2/advertiser/get/`` endpoint takes the app secret as a query parameter).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

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
    PlatformError,
    PolicyViolation,
    RateLimited,
    ReconnectRequired,
    Status,
    TransientPlatformError,
    WriteResult,
    mentions_policy,
)

logger = logging.getLogger(__name__)

API_VERSION = "v1.3"
DEFAULT_BASE_URL = "https://business-api.tiktok.com"
SANDBOX_BASE_URL = "https://sandbox-ads.tiktok.com"

RATE_LIMIT_CODES = frozenset({40100})
RECONNECT_CODES = frozenset({40001, 40102, 40103, 40104, 40105, 40107, 40110})
TRANSIENT_CODES = frozenset({50000, 50001, 50002})

REPORT_PAGE_SIZE = 1000  # the maximum /report/integrated/get/ accepts
MAX_REPORT_DAYS = 30  # a stat_time_day query may span at most 30 days
ADVERTISER_INFO_BATCH = 100  # /advertiser/info/ takes at most 100 advertiser ids
MICROS = Decimal(1_000_000)
CENT_MICROS = 10_000

AD_TEXT_MIN, AD_TEXT_MAX = 12, 100
NAME_MAX = 512

# Report metrics: spend/impressions/clicks, TikTok's "conversion" (the ad group's optimisation event) and a value
# metric. ``total_complete_payment_rate`` is, despite its name, the total value of "Complete Payment" pixel
# events (TikTok's purchase value for web campaigns); pass ``value_metric="total_purchase_value"`` for app
# campaigns. ``campaign_id``/``adgroup_id`` are attribute metrics at AUCTION_AD level, which saves joining the
# entity lists; ``currency`` is a fallback for the advertiser's currency.
DEFAULT_CONVERSION_METRIC = "conversion"
DEFAULT_VALUE_METRIC = "total_complete_payment_rate"

# What an ad group needs that :class:`NewAdGroup` does not carry. Locations have no sensible default: they come
# from the item's targeting (or ``adgroup_fields``); ``schedule_start_time`` defaults to "now" (UTC) at send time.
ADGROUP_DEFAULTS: Mapping[str, Any] = {
    "promotion_type": "WEBSITE",
    "placement_type": "PLACEMENT_TYPE_AUTOMATIC",
    "budget_mode": "BUDGET_MODE_INFINITE",  # the campaign carries the daily budget
    "schedule_type": "SCHEDULE_FROM_NOW",
    "optimization_goal": "CLICK",
    "billing_event": "CPC",
    "bid_type": "BID_TYPE_NO_BID",
    "pacing": "PACING_MODE_SMOOTH",
}
# What an ad needs when :class:`NewAd` does not say: the format follows the media given.
AD_DEFAULTS: Mapping[str, Any] = {"ad_format": "SINGLE_VIDEO", "call_to_action": "LEARN_MORE"}

# TikTok's location ids of countries are their GeoNames ids (e.g. 2921044 Germany); other countries and
# regions go in ``NewAdGroup.location_ids``.
COUNTRY_LOCATION_IDS: Mapping[str, str] = {
    "AT": "2782113",
    "AU": "2077456",
    "BE": "2802361",
    "BR": "3469034",
    "CA": "6251999",
    "CH": "2658434",
    "DE": "2921044",
    "DK": "2623032",
    "ES": "2510769",
    "FI": "660013",
    "FR": "3017382",
    "GB": "2635167",
    "IE": "2963597",
    "IT": "3175395",
    "JP": "1861060",
    "MX": "3996063",
    "NL": "2750405",
    "NO": "3144096",
    "PL": "798544",
    "PT": "2264397",
    "SE": "2661886",
    "US": "6252001",
}
# TikTok targets fixed age groups; a range is accepted only if it is a union of them (never served wider).
AGE_GROUPS: tuple[tuple[int, int, str], ...] = (
    (13, 17, "AGE_13_17"),
    (18, 24, "AGE_18_24"),
    (25, 34, "AGE_25_34"),
    (35, 44, "AGE_35_44"),
    (45, 54, "AGE_45_54"),
    (55, 65, "AGE_55_100"),  # 65 means 65 and over, as Meta's age_max
)

_CAMPAIGN_FIELDS = [
    "campaign_id",
    "campaign_name",
    "advertiser_id",
    "budget",
    "budget_mode",
    "operation_status",
    "secondary_status",
    "objective_type",
]
_ADGROUP_FIELDS = ["adgroup_id", "adgroup_name", "campaign_id", "operation_status", "secondary_status"]
_AD_FIELDS = [
    "ad_id",
    "ad_name",
    "adgroup_id",
    "campaign_id",
    "operation_status",
    "secondary_status",
    "ad_text",
    "landing_page_url",
]
_ADVERTISER_FIELDS = ["advertiser_id", "name", "currency", "timezone", "display_timezone", "status"]
_DAILY_BUDGET_MODES = frozenset({"BUDGET_MODE_DAY", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"})

_STATUS_TO_OPERATION = {Status.ENABLED: "ENABLE", Status.PAUSED: "DISABLE", Status.REMOVED: "DELETE"}


@dataclass(frozen=True)
class _Entity:
    path: str  # e.g. "campaign/get/"
    id_field: str
    fields: list[str]
    all_statuses: str  # secondary_status filter value that includes deleted items


_ENTITIES: Mapping[Level, _Entity] = {
    Level.CAMPAIGN: _Entity("campaign", "campaign_id", _CAMPAIGN_FIELDS, "CAMPAIGN_STATUS_ALL"),
    Level.AD_GROUP: _Entity("adgroup", "adgroup_id", _ADGROUP_FIELDS, "ADGROUP_STATUS_ALL"),
    Level.AD: _Entity("ad", "ad_id", _AD_FIELDS, "AD_STATUS_ALL"),
}


# --------------------------------------------------------------------------------------------------- redaction

_SECRET_QUERY = re.compile(r"(?i)\b(secret|access_token|auth_code)=[^&\s\"'>]+")


def _scrub(text: str, secrets: Sequence[str | None] = ()) -> str:
    text = _SECRET_QUERY.sub(r"\1=[redacted]", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


class _RedactQueryFilter(logging.Filter):
    """httpx logs every request line (query string included) at INFO; ``/oauth2/advertiser/get/`` puts the app
    secret in the query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_LOG_FILTER = _RedactQueryFilter()


def install_log_redaction() -> None:
    """Idempotent; the client calls it on construction."""
    for name in ("httpx", "httpcore", "httpcore.http11", "httpcore.http2", "httpcore.connection"):
        target = logging.getLogger(name)
        if _LOG_FILTER not in target.filters:
            target.addFilter(_LOG_FILTER)


# -------------------------------------------------------------------------------------------- value helpers


def _decimal(value: Any, what: str) -> Decimal:
    """TikTok sends numbers as strings and ``"-"`` for "no data", which counts as zero."""
    if value is None or isinstance(value, bool):
        return Decimal(0)
    text = str(value).strip()
    if text in ("", "-", "--"):
        return Decimal(0)
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise PlatformError(f"TikTok sent an unreadable value for {what}: {text[:40]!r}") from None
    if not number.is_finite():
        raise PlatformError(f"TikTok sent an unreadable value for {what}: {text[:40]!r}")
    return number


def to_micros(value: Any, what: str = "amount") -> int:
    """``"12.34"`` -> ``12_340_000`` exactly (Decimal, banker's rounding below a micro)."""
    return int((_decimal(value, what) * MICROS).to_integral_value(rounding=ROUND_HALF_EVEN))


def _count(value: Any, what: str) -> int:
    return int(_decimal(value, what).to_integral_value(rounding=ROUND_HALF_EVEN))


def _from_micros(micros: int) -> float:
    """Micros -> the float TikTok's JSON expects; exact for whole cents (validated before sending)."""
    return float(Decimal(micros) / MICROS)


def _present(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "-", "0") else text


def _json_param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _entity_status(item: Mapping[str, Any]) -> Status:
    secondary = str(item.get("secondary_status") or "")
    operation = str(item.get("operation_status") or "")
    if operation == "DELETE" or secondary.endswith("_DELETE"):
        return Status.REMOVED
    if operation == "ENABLE":
        return Status.ENABLED
    return Status.PAUSED


def _has_emoji(text: str) -> bool:
    """Pictographs, symbols & dingbats and the emoji variation selector (not ™ or ©)."""
    return any(
        0x1F000 <= ord(ch) <= 0x1FAFF or 0x2600 <= ord(ch) <= 0x27BF or ord(ch) == 0xFE0F for ch in text
    )


def _name_problems(what: str, name: str) -> list[str]:
    if not name.strip():
        return [f"{what} is empty"]
    problems = []
    if display_width(name) > NAME_MAX:
        problems.append(f"{what} is longer than {NAME_MAX} characters")
    if _has_emoji(name):
        problems.append(f"{what} contains emoji, which TikTok refuses")
    return problems


def _id_problems(what: str, value: str) -> list[str]:
    return [] if value.strip().isdigit() else [f"{what} {value!r} is not a TikTok id"]


def _budget_problems(micros: int) -> list[str]:
    if micros <= 0:
        return ["daily budget must be positive"]
    if micros % CENT_MICROS:
        return ["daily budget must be a whole number of cents (TikTok takes two decimals)"]
    return []


def _windows(start: date, end: date, days: int = MAX_REPORT_DAYS) -> list[tuple[date, date]]:
    out = []
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + timedelta(days=days - 1))
        out.append((cursor, stop))
        cursor = stop + timedelta(days=1)
    return out


def _seconds_to_utc_midnight(now: datetime) -> float:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, (tomorrow - now).total_seconds())


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def ad_group_targeting(
    item: NewAdGroup, default_location_ids: Sequence[str] = ()
) -> tuple[dict[str, Any], list[str]]:
    """``location_ids``/``age_groups`` for an ad group, and the problems that prevent them."""
    problems: list[str] = []
    locations = [*item.location_ids]
    for country in item.countries:
        location = COUNTRY_LOCATION_IDS.get(country.upper())
        if location is None:
            problems.append(f"no TikTok location id known for country {country!r}; give it in location_ids")
        else:
            locations.append(location)
    fields: dict[str, Any] = {"location_ids": list(dict.fromkeys(locations or default_location_ids))}
    if not fields["location_ids"]:
        problems.append("a TikTok ad group needs locations: countries, location_ids or adgroup_fields")
    if item.age_min is not None or item.age_max is not None:
        low = item.age_min if item.age_min is not None else AGE_GROUPS[0][0]
        high = item.age_max if item.age_max is not None else AGE_GROUPS[-1][1]
        inside = [(lo, hi, name) for lo, hi, name in AGE_GROUPS if lo >= low and hi <= high]
        if not inside or inside[0][0] != low or inside[-1][1] != high:
            bounds = ", ".join(f"{lo}-{hi}" for lo, hi, _ in AGE_GROUPS)
            problems.append(
                f"TikTok targets the age groups {bounds} (65: and over); {low}-{high} is not a union of them"
            )
        else:
            fields["age_groups"] = [name for _, _, name in inside]
    return fields, problems


def ad_text_of(item: NewAd) -> str:
    """TikTok has one ``ad_text`` (12-100 characters): the first description, else the first headline."""
    texts = [*item.descriptions, *item.headlines]
    return texts[0].strip() if texts else ""


def ad_copy_problems(item: NewAd) -> list[str]:
    """What TikTok refuses in an ad's copy (also checked when a bulk write is submitted)."""
    problems = _name_problems("ad name", item.name)
    width = display_width(ad_text_of(item))
    if not AD_TEXT_MIN <= width <= AD_TEXT_MAX:
        problems.append(
            f"ad text must be {AD_TEXT_MIN}-{AD_TEXT_MAX} characters (CJK count twice), got {width}"
        )
    url = urlsplit(item.final_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        problems.append("landing page URL must be an absolute http(s) URL")
    if item.status == Status.REMOVED:
        problems.append("a new ad cannot be REMOVED")
    return problems


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying."""

    def __init__(self, kind: Literal["rate", "transient"], message: str, hint_s: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint_s = hint_s


# ------------------------------------------------------------------------------------------------- client

Sleep = Callable[[float], Awaitable[Any]]


class TikTokClient:
    """One advertiser token; one instance per linked TikTok user.

    ``app_secret`` is only needed by :meth:`list_accounts` when ``advertiser_ids`` (returned with the token by
    ``/oauth2/access_token/``, see :func:`exchange_auth_code`) is not given. ``adgroup_fields`` and
    ``ad_fields`` are app-wide defaults merged into every create request (e.g. ``location_ids``;
    ``identity_type``/``identity_id``); what an item names itself (targeting, identity, media, call to action)
    wins.

    TikTok has no dry run: ``validate_only=True`` runs the client-side checks only and sends nothing.
    """

    platform = Platform.TIKTOK

    def __init__(
        self,
        credentials: Credentials,
        *,
        app_id: str,
        app_secret: str | None = None,
        advertiser_ids: Sequence[str] | None = None,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.AsyncClient | None = None,
        max_retries: int = 5,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        rate_limit_cooldown_s: float = 300.0,
        sleep: Sleep = asyncio.sleep,
        timeout_s: float = 60.0,
        entity_page_size: int = 1000,
        include_deleted: bool = True,
        conversion_metric: str = DEFAULT_CONVERSION_METRIC,
        value_metric: str = DEFAULT_VALUE_METRIC,
        adgroup_fields: Mapping[str, Any] | None = None,
        ad_fields: Mapping[str, Any] | None = None,
    ) -> None:
        if not credentials.access_token:
            raise ReconnectRequired("TikTok: no access token; link the account again")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if not 1 <= entity_page_size <= 1000:
            raise ValueError("entity_page_size must be within 1..1000")
        self._token = credentials.access_token
        self._app_id = app_id
        self._app_secret = app_secret
        self._advertiser_ids = [str(a) for a in advertiser_ids] if advertiser_ids is not None else None
        self._base_url = base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout_s)
        self._timeout = timeout_s
        self._max_retries = max_retries
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._cooldown_s = rate_limit_cooldown_s
        self._sleep = sleep
        self._entity_page_size = entity_page_size
        self._include_deleted = include_deleted
        self._conversion_metric = conversion_metric
        self._value_metric = value_metric
        self._adgroup_fields = dict(adgroup_fields or {})
        self._ad_fields = dict(ad_fields or {})
        self._accounts: dict[str, AdAccount] = {}
        install_log_redaction()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> TikTokClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:  # never the token
        return f"TikTokClient(app_id={self._app_id!r}, base_url={self._base_url!r})"

    # ------------------------------------------------------------------------------------------- transport

    def _clean(self, text: str) -> str:
        return _scrub(text, (self._token, self._app_secret))[:500]

    def _backoff(self, attempt: int) -> float:
        return float(min(self._backoff_cap_s, self._backoff_base_s * (2**attempt)))

    async def _call(
        self,
        method: Literal["GET", "POST"],
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        retry_transient: bool = True,
    ) -> dict[str, Any]:
        """One API call with the retry policy; returns the envelope's ``data``."""
        url = f"{self._base_url}/open_api/{API_VERSION}/{path}"
        headers = {"Access-Token": self._token, "Accept": "application/json"}
        query = {key: _json_param(value) for key, value in (params or {}).items()} if params else None
        attempt = 0
        while True:
            try:
                return await self._attempt(method, path, url, headers, query, body)
            except _Retry as failure:
                retryable = failure.kind == "rate" or retry_transient
                if (
                    failure.kind == "rate"
                    and failure.hint_s is not None
                    and failure.hint_s > self._backoff_cap_s
                ):
                    retryable = False  # do not block a worker for longer than the cap; let the caller pause
                if not retryable or attempt >= self._max_retries:
                    if failure.kind == "rate":
                        wait = failure.hint_s if failure.hint_s is not None else self._cooldown_s
                        raise RateLimited(
                            f"TikTok {path}: {failure.message} (gave up after {attempt + 1} attempts)",
                            retry_after_s=wait,
                            scope="app",
                        ) from None
                    raise TransientPlatformError(
                        f"TikTok {path}: {failure.message} (gave up after {attempt + 1} attempts)"
                    ) from None
                delay = failure.hint_s if failure.hint_s is not None else self._backoff(attempt)
                logger.warning(
                    "TikTok %s %s: %s; retry %d/%d in %.1fs",
                    method,
                    path,
                    failure.message,
                    attempt + 1,
                    self._max_retries,
                    delay,
                )
                await self._sleep(delay)
                attempt += 1

    async def _attempt(
        self,
        method: str,
        path: str,
        url: str,
        headers: Mapping[str, str],
        query: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(
                method, url, params=query, json=body, headers=headers, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            raise _Retry("transient", f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _Retry("transient", f"connection failed ({type(exc).__name__})") from None

        status = response.status_code
        if status == 429:
            raise _Retry("rate", "HTTP 429 Too Many Requests", _retry_after(response))
        if status >= 500:
            raise _Retry("transient", f"HTTP {status}")
        if status in (401, 403):
            raise ReconnectRequired(f"TikTok {path}: HTTP {status}; link the TikTok account again")
        if status >= 400:
            raise InvalidRequest(f"TikTok {path}: HTTP {status}: {self._clean(response.text)[:200]}")
        try:
            envelope = response.json()
        except ValueError:
            raise _Retry("transient", "unreadable response body") from None
        if not isinstance(envelope, dict) or "code" not in envelope:
            raise _Retry("transient", "response without a result code")

        try:
            code = int(envelope["code"])
        except (TypeError, ValueError):
            raise _Retry("transient", "response with an unreadable result code") from None
        message = self._clean(str(envelope.get("message") or ""))
        request_id = str(envelope.get("request_id") or "")[:64]
        if code == 0:
            data = envelope.get("data")
            return data if isinstance(data, dict) else {}
        described = f"code {code}: {message}" + (f" (request_id {request_id})" if request_id else "")
        if code in RATE_LIMIT_CODES:
            if re.search(r"(?i)\bQPD\b|per day|daily", message):
                raise RateLimited(
                    f"TikTok {path}: daily quota exhausted: {described}",
                    retry_after_s=_seconds_to_utc_midnight(_utcnow()),
                    scope="app",
                )
            raise _Retry("rate", described, _retry_after(response))
        if code in RECONNECT_CODES:
            raise ReconnectRequired(f"TikTok {path}: {described}; link the TikTok account again")
        if code in TRANSIENT_CODES:
            raise _Retry("transient", described)
        if mentions_policy(message):
            raise PolicyViolation(f"TikTok {path}: {described}")
        raise InvalidRequest(f"TikTok {path}: {described}")

    async def _pages(
        self, path: str, params: Mapping[str, Any], page_size: int
    ) -> AsyncIterator[list[dict[str, Any]]]:
        page = 1
        while True:
            data = await self._call("GET", path, params={**params, "page": page, "page_size": page_size})
            items = data.get("list") or []
            yield [item for item in items if isinstance(item, dict)]
            total_pages = int((data.get("page_info") or {}).get("total_page") or 1)
            if page >= total_pages or not items:
                return
            page += 1

    # -------------------------------------------------------------------------------------------- accounts

    async def _advertiser_ids_granted(self) -> list[str]:
        if self._advertiser_ids is not None:
            return list(self._advertiser_ids)
        if not self._app_secret:
            raise InvalidRequest(
                "TikTok: listing advertisers needs the app secret (or the advertiser_ids returned with the token)"
            )
        data = await self._call(
            "GET", "oauth2/advertiser/get/", params={"app_id": self._app_id, "secret": self._app_secret}
        )
        return [str(item["advertiser_id"]) for item in data.get("list") or [] if item.get("advertiser_id")]

    async def _advertiser_info(self, advertiser_ids: Sequence[str]) -> list[AdAccount]:
        accounts = []
        for offset in range(0, len(advertiser_ids), ADVERTISER_INFO_BATCH):
            batch = list(advertiser_ids[offset : offset + ADVERTISER_INFO_BATCH])
            data = await self._call(
                "GET", "advertiser/info/", params={"advertiser_ids": batch, "fields": _ADVERTISER_FIELDS}
            )
            for item in data.get("list") or []:
                account = AdAccount(
                    external_id=str(item["advertiser_id"]),
                    name=str(item.get("name") or item["advertiser_id"]),
                    currency=str(item.get("currency") or "").upper(),
                    time_zone=str(item.get("timezone") or item.get("display_timezone") or "UTC"),
                    status=Status.ENABLED if item.get("status") == "STATUS_ENABLE" else Status.PAUSED,
                )
                self._accounts[account.external_id] = account
                accounts.append(account)
        return accounts

    async def _account(self, account_id: str) -> AdAccount | None:
        if account_id not in self._accounts:
            await self._advertiser_info([account_id])
        return self._accounts.get(account_id)

    async def list_accounts(self) -> list[AdAccount]:
        ids = await self._advertiser_ids_granted()
        return await self._advertiser_info(ids) if ids else []

    # -------------------------------------------------------------------------------------------- entities

    async def _list_raw(self, account_id: str, level: Level, **filters: Any) -> list[dict[str, Any]]:
        entity = _ENTITIES[level]
        filtering = dict(filters)
        if self._include_deleted:
            filtering.setdefault("secondary_status", entity.all_statuses)
        params: dict[str, Any] = {"advertiser_id": account_id, "fields": entity.fields}
        if filtering:
            params["filtering"] = filtering
        out: list[dict[str, Any]] = []
        async for items in self._pages(f"{entity.path}/get/", params, self._entity_page_size):
            out.extend(items)
        return out

    async def list_campaigns(self, account_id: str) -> list[Campaign]:
        return [self._campaign(account_id, item) for item in await self._list_raw(account_id, Level.CAMPAIGN)]

    @staticmethod
    def _campaign(account_id: str, item: Mapping[str, Any]) -> Campaign:
        daily = item.get("budget_mode") in _DAILY_BUDGET_MODES
        return Campaign(
            external_id=str(item["campaign_id"]),
            account_id=account_id,
            name=str(item.get("campaign_name") or ""),
            status=_entity_status(item),
            objective=str(item["objective_type"]) if item.get("objective_type") else None,
            daily_budget_micros=to_micros(item.get("budget"), "budget") if daily else None,
        )

    async def list_ad_groups(self, account_id: str) -> list[AdGroup]:
        return [
            AdGroup(
                external_id=str(item["adgroup_id"]),
                account_id=account_id,
                campaign_id=str(item.get("campaign_id") or ""),
                name=str(item.get("adgroup_name") or ""),
                status=_entity_status(item),
            )
            for item in await self._list_raw(account_id, Level.AD_GROUP)
        ]

    async def list_ads(self, account_id: str) -> list[Ad]:
        return [
            Ad(
                external_id=str(item["ad_id"]),
                account_id=account_id,
                ad_group_id=str(item.get("adgroup_id") or ""),
                name=str(item.get("ad_name") or ""),
                status=_entity_status(item),
                headlines=(),
                descriptions=(str(item["ad_text"]),) if item.get("ad_text") else (),
                final_url=str(item["landing_page_url"]) if item.get("landing_page_url") else None,
            )
            for item in await self._list_raw(account_id, Level.AD)
        ]

    # ---------------------------------------------------------------------------------------------- metrics

    async def fetch_daily_metrics(
        self, account_id: str, start: date, end: date
    ) -> AsyncIterator[list[DailyMetric]]:
        """Ad-level daily rows (``AUCTION_AD`` x ``stat_time_day``), deleted ads included, in ≤30-day windows,
        one batch per report page (≤1000 rows)."""
        if start > end:
            raise InvalidRequest(f"TikTok report: start {start} is after end {end}")
        account = await self._account(account_id)
        currency = account.currency if account else ""
        metrics = [
            "spend",
            "impressions",
            "clicks",
            self._conversion_metric,
            self._value_metric,
            "campaign_id",
            "adgroup_id",
            "currency",
        ]
        ad_index: dict[str, tuple[str, str]] | None = None
        for window_start, window_end in _windows(start, end):
            params = {
                "advertiser_id": account_id,
                "service_type": "AUCTION",
                "report_type": "BASIC",
                "data_level": "AUCTION_AD",
                "dimensions": ["ad_id", "stat_time_day"],
                "metrics": metrics,
                "start_date": window_start.isoformat(),
                "end_date": window_end.isoformat(),
                # Spend of since-deleted ads still counts: ask for every ad status.
                "filtering": [
                    {"field_name": "ad_status", "filter_type": "IN", "filter_value": '["STATUS_ALL"]'}
                ],
            }
            async for rows in self._pages("report/integrated/get/", params, REPORT_PAGE_SIZE):
                if not rows:
                    continue
                needs_index = any(
                    _present((row.get("metrics") or {}).get("campaign_id")) is None for row in rows
                )
                if needs_index and ad_index is None:
                    ad_index = {
                        str(item["ad_id"]): (
                            str(item.get("adgroup_id") or ""),
                            str(item.get("campaign_id") or ""),
                        )
                        for item in await self._list_raw(account_id, Level.AD)
                    }
                yield [self._metric(account_id, currency, row, ad_index or {}) for row in rows]

    def _metric(
        self,
        account_id: str,
        currency: str,
        row: Mapping[str, Any],
        ad_index: Mapping[str, tuple[str, str]],
    ) -> DailyMetric:
        dims = row.get("dimensions") or {}
        values = row.get("metrics") or {}
        ad_id = str(dims["ad_id"])
        day = date.fromisoformat(str(dims["stat_time_day"])[:10])
        indexed_group, indexed_campaign = ad_index.get(ad_id, ("", ""))
        campaign_id = _present(values.get("campaign_id")) or indexed_campaign
        ad_group_id = _present(values.get("adgroup_id")) or indexed_group or None
        if not campaign_id:
            logger.warning("TikTok report: no campaign known for ad %s on %s", ad_id, day)
        return DailyMetric(
            account_id=account_id,
            campaign_id=campaign_id,
            ad_group_id=ad_group_id,
            ad_id=ad_id,
            day=day,
            currency=currency or str(_present(values.get("currency")) or "").upper(),
            impressions=_count(values.get("impressions"), "impressions"),
            clicks=_count(values.get("clicks"), "clicks"),
            spend_micros=to_micros(values.get("spend"), "spend"),
            conversions=_decimal(values.get(self._conversion_metric), self._conversion_metric),
            conversion_value_micros=to_micros(values.get(self._value_metric), self._value_metric),
        )

    # ----------------------------------------------------------------------------------------------- writes

    async def _bulk(
        self,
        items: Sequence[Any],
        validate: Callable[[Any], list[str]],
        send: Callable[[Any], Awaitable[WriteResult]],
        validate_only: bool,
    ) -> list[WriteResult]:
        """One request per item (TikTok's create endpoints take one entity), per-item results.

        Rate limits and lost authorisation are raised while nothing has been created yet; after that they end the
        batch with the remaining items marked, so the ids already created are not lost.
        """
        results: list[WriteResult] = []
        created_any = False
        for index, item in enumerate(items):
            problems = validate(item)
            if problems:
                results.append(
                    WriteResult(index=index, error="; ".join(problems), error_kind=ErrorKind.INVALID_REQUEST)
                )
                continue
            if validate_only:
                results.append(WriteResult(index=index))
                continue
            try:
                result = await send(item)
            except InvalidRequest as exc:
                results.append(WriteResult.failed(index, exc))
                continue
            except TransientPlatformError as exc:
                results.append(
                    WriteResult.failed(
                        index,
                        TransientPlatformError(f"{exc}; outcome unknown, check before creating it again"),
                    )
                )
                continue
            except (RateLimited, ReconnectRequired) as exc:
                if not created_any:
                    raise
                results.append(WriteResult.failed(index, exc))
                results.extend(
                    WriteResult.failed(later, exc, prefix="not attempted: ")
                    for later in range(index + 1, len(items))
                )
                break
            results.append(
                WriteResult(
                    index=index,
                    external_id=result.external_id,
                    error=result.error,
                    error_kind=result.error_kind,
                )
            )
            created_any = created_any or result.external_id is not None
        return results

    async def _pause_if_needed(
        self, account_id: str, level: Level, external_id: str, wanted: Status, data: Mapping[str, Any]
    ) -> WriteResult:
        """``operation_status`` on create is allowlist-only for campaigns and silently ignored otherwise, so a
        paused create is confirmed with a status update unless the answer already says DISABLE."""
        if wanted == Status.PAUSED and data.get("operation_status") != "DISABLE":
            try:
                await self._status_update(account_id, level, external_id, "DISABLE")
            except PlatformError as exc:
                # The item exists (and may be live): keep its id so nobody creates it a second time.
                return replace(
                    WriteResult.failed(0, exc, prefix="created but not paused: "), external_id=external_id
                )
        return WriteResult(index=0, external_id=external_id)

    def _validate_campaign(self, item: NewCampaign) -> list[str]:
        problems = _name_problems("campaign name", item.name) + _budget_problems(item.daily_budget_micros)
        if item.status == Status.REMOVED:
            problems.append("a new campaign cannot be REMOVED")
        return problems

    async def create_campaigns(
        self, account_id: str, items: Sequence[NewCampaign], *, validate_only: bool = False
    ) -> list[WriteResult]:
        async def send(item: NewCampaign) -> WriteResult:
            data = await self._call(
                "POST",
                "campaign/create/",
                body={
                    "advertiser_id": account_id,
                    "campaign_name": item.name,
                    "objective_type": item.objective or "TRAFFIC",
                    "budget_mode": "BUDGET_MODE_DAY",
                    "budget": _from_micros(item.daily_budget_micros),
                    "operation_status": _STATUS_TO_OPERATION[item.status],
                },
                retry_transient=False,
            )
            campaign_id = str(data["campaign_id"])
            return await self._pause_if_needed(account_id, Level.CAMPAIGN, campaign_id, item.status, data)

        return await self._bulk(items, self._validate_campaign, send, validate_only)

    def _targeting(self, item: NewAdGroup) -> tuple[dict[str, Any], list[str]]:
        return ad_group_targeting(item, self._adgroup_fields.get("location_ids") or ())

    def _validate_ad_group(self, item: NewAdGroup) -> list[str]:
        problems = _name_problems("ad group name", item.name) + _id_problems("campaign id", item.campaign_id)
        if item.status == Status.REMOVED:
            problems.append("a new ad group cannot be REMOVED")
        return problems + self._targeting(item)[1]

    async def create_ad_groups(
        self, account_id: str, items: Sequence[NewAdGroup], *, validate_only: bool = False
    ) -> list[WriteResult]:
        async def send(item: NewAdGroup) -> WriteResult:
            body = {
                **ADGROUP_DEFAULTS,
                "schedule_start_time": _utcnow().strftime("%Y-%m-%d %H:%M:%S"),
                **self._adgroup_fields,
                **self._targeting(item)[0],
                "advertiser_id": account_id,
                "campaign_id": item.campaign_id,
                "adgroup_name": item.name,
                "operation_status": _STATUS_TO_OPERATION[item.status],
            }
            data = await self._call("POST", "adgroup/create/", body=body, retry_transient=False)
            adgroup_id = str(data["adgroup_id"])
            return await self._pause_if_needed(account_id, Level.AD_GROUP, adgroup_id, item.status, data)

        return await self._bulk(items, self._validate_ad_group, send, validate_only)

    def _creative(self, item: NewAd) -> dict[str, Any]:
        """The creative: defaults, then the client's ``ad_fields``, then what the ad itself names."""
        creative: dict[str, Any] = {**AD_DEFAULTS, **self._ad_fields}
        if item.video_id:
            creative.update(ad_format="SINGLE_VIDEO", video_id=item.video_id)
            if item.image_id:
                creative["image_ids"] = [item.image_id]  # the video's cover
        elif item.image_id:
            creative.update(ad_format="SINGLE_IMAGE", image_ids=[item.image_id])
            creative.pop("video_id", None)
        for key, value in (
            ("identity_id", item.identity_id),
            ("call_to_action", item.call_to_action),
            ("display_name", item.display_name),
        ):
            if value:
                creative[key] = value
        return creative

    def _validate_ad(self, item: NewAd) -> list[str]:
        problems = _id_problems("ad group id", item.ad_group_id) + ad_copy_problems(item)
        creative = self._creative(item)
        if not creative.get("identity_id") or not creative.get("identity_type"):
            problems.append("identity_type and identity_id are required for a TikTok ad (ad_fields)")
        if (
            not creative.get("video_id")
            and not creative.get("image_ids")
            and not creative.get("tiktok_item_id")
        ):
            problems.append("a TikTok ad needs video_id, image_ids or tiktok_item_id (ad_fields)")
        return problems

    async def create_ads(
        self, account_id: str, items: Sequence[NewAd], *, validate_only: bool = False
    ) -> list[WriteResult]:
        async def send(item: NewAd) -> WriteResult:
            creative = {
                **self._creative(item),
                "ad_name": item.name,
                "ad_text": ad_text_of(item),
                "landing_page_url": item.final_url,
                "operation_status": _STATUS_TO_OPERATION[item.status],
            }
            data = await self._call(
                "POST",
                "ad/create/",
                body={"advertiser_id": account_id, "adgroup_id": item.ad_group_id, "creatives": [creative]},
                retry_transient=False,
            )
            ad_ids = [str(ad_id) for ad_id in data.get("ad_ids") or []]
            if not ad_ids:
                raise TransientPlatformError("TikTok ad/create/: answer without ad_ids")
            return await self._pause_if_needed(account_id, Level.AD, ad_ids[0], item.status, data)

        return await self._bulk(items, self._validate_ad, send, validate_only)

    async def _status_update(self, account_id: str, level: Level, external_id: str, operation: str) -> None:
        entity = _ENTITIES[level]
        await self._call(
            "POST",
            f"{entity.path}/status/update/",
            body={
                "advertiser_id": account_id,
                f"{entity.id_field}s": [external_id],
                "operation_status": operation,
            },
        )

    async def set_status(self, account_id: str, level: Level, external_id: str, status: Status) -> None:
        """ENABLED -> ENABLE, PAUSED -> DISABLE, REMOVED -> DELETE (deleting cannot be undone)."""
        if _id_problems("id", external_id):
            raise InvalidRequest(f"TikTok: {external_id!r} is not a TikTok id")
        await self._status_update(account_id, Level(level), external_id, _STATUS_TO_OPERATION[Status(status)])

    async def set_daily_budget(self, account_id: str, campaign_id: str, daily_budget_micros: int) -> None:
        """Campaign-level daily budget; refuses campaigns on a lifetime or unlimited budget rather than turning a
        lifetime budget into a daily amount."""
        problems = _budget_problems(daily_budget_micros) + _id_problems("campaign id", campaign_id)
        if problems:
            raise InvalidRequest("TikTok: " + "; ".join(problems))
        found = await self._list_raw(account_id, Level.CAMPAIGN, campaign_ids=[campaign_id])
        if not found:
            raise InvalidRequest(f"TikTok: campaign {campaign_id} not found in advertiser {account_id}")
        mode = found[0].get("budget_mode")
        if mode not in _DAILY_BUDGET_MODES:
            raise InvalidRequest(f"TikTok: campaign {campaign_id} has budget mode {mode}, not a daily budget")
        await self._call(
            "POST",
            "campaign/update/",
            body={
                "advertiser_id": account_id,
                "campaign_id": campaign_id,
                "budget": _from_micros(daily_budget_micros),
            },
        )


# --------------------------------------------------------------------------------------------------- oauth


@dataclass(frozen=True)
class TikTokAuthorization:
    credentials: Credentials
    advertiser_ids: tuple[str, ...]
    scopes: tuple[int, ...] = ()

    def __repr__(self) -> str:  # never the token
        return f"TikTokAuthorization(advertiser_ids={self.advertiser_ids!r}, scopes={self.scopes!r})"


async def exchange_auth_code(
    auth_code: str,
    *,
    app_id: str,
    app_secret: str,
    base_url: str = DEFAULT_BASE_URL,
    http: httpx.AsyncClient | None = None,
    timeout_s: float = 30.0,
) -> TikTokAuthorization:
    """``POST /open_api/v1.3/oauth2/access_token/`` (``app_id``, ``secret``, ``auth_code``) after the user consented.

    Advertiser tokens do not expire and come without a refresh token; the answer lists the advertisers granted.
    """
    install_log_redaction()
    client = http if http is not None else httpx.AsyncClient(timeout=timeout_s)
    secrets = (app_secret, auth_code)
    try:
        try:
            response = await client.post(
                f"{base_url.rstrip('/')}/open_api/{API_VERSION}/oauth2/access_token/",
                json={"app_id": app_id, "secret": app_secret, "auth_code": auth_code},
                headers={"Accept": "application/json"},
                timeout=timeout_s,
            )
        except httpx.HTTPError as exc:
            raise TransientPlatformError(f"TikTok oauth2/access_token/: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise TransientPlatformError(f"TikTok oauth2/access_token/: HTTP {response.status_code}")
        try:
            envelope = response.json()
        except ValueError:
            raise TransientPlatformError("TikTok oauth2/access_token/: unreadable response body") from None
        code = envelope.get("code") if isinstance(envelope, dict) else None
        message = _scrub(str(envelope.get("message") or "") if isinstance(envelope, dict) else "", secrets)[
            :300
        ]
        if code in RATE_LIMIT_CODES:
            raise RateLimited(
                f"TikTok oauth2/access_token/: code {code}: {message}", retry_after_s=60.0, scope="app"
            )
        if code in TRANSIENT_CODES:
            raise TransientPlatformError(f"TikTok oauth2/access_token/: code {code}: {message}")
        if code in RECONNECT_CODES:
            raise ReconnectRequired(f"TikTok oauth2/access_token/: code {code}: {message}; authorise again")
        if code != 0:
            raise InvalidRequest(f"TikTok oauth2/access_token/: code {code}: {message}")
        data = envelope.get("data") or {}
        token = data.get("access_token")
        if not token:
            raise TransientPlatformError("TikTok oauth2/access_token/: answer without an access token")
        expires_in = data.get("expires_in")
        return TikTokAuthorization(
            credentials=Credentials(
                access_token=str(token),
                refresh_token=str(data["refresh_token"]) if data.get("refresh_token") else None,
                expires_at=_utcnow() + timedelta(seconds=int(expires_in)) if expires_in else None,
            ),
            advertiser_ids=tuple(str(a) for a in data.get("advertiser_ids") or []),
            scopes=tuple(int(s) for s in data.get("scope") or [] if str(s).isdigit()),
        )
    finally:
        if http is None:
            await client.aclose()

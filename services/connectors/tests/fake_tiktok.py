"""A TikTok Marketing API v1.3 stand-in on loopback HTTP for the TikTok client tests.

It runs a FastAPI app under ``uvicorn.Server`` on a free 127.0.0.1 port inside the test's event loop, so the
client talks to it over real sockets. It behaves like the real API where the client depends on it:

* every path is ``/open_api/v1.3/<resource>/<verb>/``; the token must arrive in an ``Access-Token`` header
  (``Authorization: Bearer`` is ignored, as TikTok does), else ``40104``/``40105`` in an HTTP 200 envelope;
* GET parameters are query strings with JSON-encoded lists/objects (``fields``, ``filtering``,
  ``dimensions``, ``metrics``, ``advertiser_ids``); POST bodies are JSON;
* answers are ``{"code", "message", "request_id", "data"}``; lists page with ``page``/``page_size`` and
  ``page_info`` (``page``, ``page_size``, ``total_number``, ``total_page``);
* reports are ``{"dimensions": {...}, "metrics": {...}}`` rows with string values, refuse ``stat_time_day``
  spans over 30 days (``40002``) and page sizes over 1000, and leave deleted ads out unless the
  ``ad_status`` ``STATUS_ALL`` filter is sent.

Misbehaviour on demand: :meth:`FakeTikTok.rate_limit` (``40100`` N times, optional ``Retry-After``),
:meth:`server_errors` (HTTP 5xx N times), :meth:`body_errors` (e.g. ``50002`` N times), :meth:`delay` (slow
answers), :meth:`revoke_token` (``40105``), ``dash_days`` ("-" metrics), :meth:`restate` (new values for a
day already served) and ``refuse_names`` (a create refused with ``40002``). ``requests`` records what arrived.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from adpilot_common.devstack.ports import free_port
from adpilot_common.testing.servers import serve_asgi

TOKEN = "tt-advertiser-token-7f3c9a1e5b2d4c6e8f0a"
APP_ID = "7290000000000000001"
APP_SECRET = "app-secret-2b9d4f6a8c0e1a3c5e7f"
AUTH_CODE = "auth-code-4c1e9b7d5a3f"
PREFIX = "/open_api/v1.3"


@dataclass
class Advertiser:
    advertiser_id: str
    name: str
    currency: str = "EUR"
    timezone: str = "Europe/Berlin"
    status: str = "STATUS_ENABLE"


@dataclass
class Entity:
    level: str  # campaign | adgroup | ad
    id: str
    advertiser_id: str
    name: str
    campaign_id: str = ""
    adgroup_id: str = ""
    operation_status: str = "ENABLE"
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_api(self) -> dict[str, Any]:
        key = {"campaign": "campaign", "adgroup": "adgroup", "ad": "ad"}[self.level]
        body: dict[str, Any] = {
            f"{key}_id": self.id,
            f"{key}_name": self.name,
            "advertiser_id": self.advertiser_id,
            "operation_status": self.operation_status,
            "secondary_status": f"{self.level.upper()}_STATUS_DELETE"
            if self.deleted
            else f"{self.level.upper()}_STATUS_{'DELIVERY_OK' if self.operation_status == 'ENABLE' else 'DISABLE'}",
            "create_time": "2026-01-01 10:00:00",
            "modify_time": "2026-01-02 10:00:00",
            **self.extra,
        }
        if self.level != "campaign":
            body["campaign_id"] = self.campaign_id
        if self.level == "ad":
            body["adgroup_id"] = self.adgroup_id
        return body


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class _Injection:
    remaining: int
    path: str | None  # only requests whose path contains this
    skip: int = 0  # let this many matching requests through first


class FakeTikTok:
    def __init__(self, port: int) -> None:
        self.port = port
        self.token = TOKEN
        self.revoked = False
        self.advertisers: dict[str, Advertiser] = {}
        self.entities: list[Entity] = []
        self.requests: list[RecordedRequest] = []
        self.dash_days: set[tuple[str, date]] = set()  # (ad_id, day) whose metrics are all "-"
        self.restated: dict[tuple[str, date], dict[str, str]] = {}
        self.refuse_names: set[str] = set()
        self.echo_token_in_errors = False
        self.omit_attribute_metrics = False  # leave campaign_id/adgroup_id out of report rows
        self.activity_days: tuple[date, date] | None = None  # days with delivery; None = every day
        self._ids = itertools.count(1_800_000_000_000_000_001)
        self._rate: list[_Injection] = []
        self._rate_retry_after: str | None = None
        self._server_errors: list[tuple[_Injection, int]] = []
        self._body_errors: list[tuple[_Injection, int, str]] = []
        self._delays: list[tuple[_Injection, float]] = []

    # ------------------------------------------------------------------------------------------- set-up

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_advertiser(self, advertiser_id: str, name: str, **kwargs: Any) -> Advertiser:
        advertiser = Advertiser(advertiser_id, name, **kwargs)
        self.advertisers[advertiser_id] = advertiser
        return advertiser

    def add(self, level: str, advertiser_id: str, name: str, **kwargs: Any) -> Entity:
        entity = Entity(level, self.new_id(), advertiser_id, name, **kwargs)
        self.entities.append(entity)
        return entity

    def find(self, level: str, entity_id: str) -> Entity | None:
        return next((e for e in self.entities if e.level == level and e.id == entity_id), None)

    # ---------------------------------------------------------------------------------------- misbehave

    def rate_limit(
        self, times: int, *, path: str | None = None, retry_after: float | None = None, after: int = 0
    ) -> None:
        self._rate.append(_Injection(times, path, after))
        self._rate_retry_after = None if retry_after is None else str(retry_after)

    def server_errors(self, times: int, *, status: int = 503, path: str | None = None) -> None:
        self._server_errors.append((_Injection(times, path), status))

    def body_errors(
        self,
        times: int,
        *,
        code: int = 50002,
        message: str = "Service error",
        path: str | None = None,
        after: int = 0,
    ) -> None:
        self._body_errors.append((_Injection(times, path, after), code, message))

    def delay(self, times: int, seconds: float, *, path: str | None = None) -> None:
        self._delays.append((_Injection(times, path), seconds))

    def revoke_token(self) -> None:
        self.revoked = True

    def restate(self, ad_id: str, day: date, **metrics: str) -> None:
        self.restated[(ad_id, day)] = metrics

    @staticmethod
    def _take(injections: list[Any], path: str) -> Any | None:
        for entry in injections:
            injection = entry[0] if isinstance(entry, tuple) else entry
            if injection.remaining > 0 and (injection.path is None or injection.path in path):
                if injection.skip > 0:
                    injection.skip -= 1
                    continue
                injection.remaining -= 1
                return entry
        return None

    # ------------------------------------------------------------------------------------------- answers

    @staticmethod
    def envelope(code: int = 0, message: str = "OK", data: Any = None) -> dict[str, Any]:
        return {
            "code": code,
            "message": message,
            "request_id": "2026061015295501023125104093255",
            "data": data or {},
        }

    def error(self, code: int, message: str) -> JSONResponse:
        return JSONResponse(self.envelope(code, message))

    @staticmethod
    def page(items: list[dict[str, Any]], page: int, page_size: int) -> dict[str, Any]:
        total = len(items)
        total_page = max(1, -(-total // page_size))
        chunk = items[(page - 1) * page_size : page * page_size]
        return {
            "list": chunk,
            "page_info": {
                "page": page,
                "page_size": page_size,
                "total_number": total,
                "total_page": total_page,
            },
        }

    def metrics_for(self, ad: Entity, index: int, day: date) -> dict[str, str]:
        if (ad.id, day) in self.dash_days:
            values = {
                name: "-"
                for name in ("spend", "impressions", "clicks", "conversion", "total_complete_payment_rate")
            }
        else:
            spend = Decimal(index + 1) + Decimal(day.day) / 100  # e.g. 3.17
            values = {
                "spend": f"{spend:.2f}",
                "impressions": str(1000 * (index + 1) + day.day),
                "clicks": str(10 * (index + 1) + day.day % 7),
                "conversion": str((index + day.day) % 4),
                "total_complete_payment_rate": f"{Decimal(day.day) * Decimal('2.5'):.2f}",
            }
        values.update(self.restated.get((ad.id, day), {}))
        return values

    def values(self, ad_id: str, day: date) -> dict[str, str]:
        """The metric strings the report serves for one ad and day (for test expectations)."""
        ad = self.find("ad", ad_id)
        assert ad is not None
        every_ad = [e for e in self.entities if e.level == "ad" and e.advertiser_id == ad.advertiser_id]
        return self.metrics_for(ad, every_ad.index(ad), day)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def gate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            path = request.url.path
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            self.requests.append(
                RecordedRequest(
                    request.method,
                    path,
                    dict(request.query_params),
                    body,
                    {k.lower(): v for k, v in request.headers.items()},
                )
            )
            delay = self._take(self._delays, path)
            if delay is not None:
                await asyncio.sleep(delay[1])
            failure = self._take(self._server_errors, path)
            if failure is not None:
                return PlainTextResponse(
                    "<html><body>503 Service Temporarily Unavailable</body></html>", status_code=failure[1]
                )
            if not path.endswith("/oauth2/access_token/"):
                supplied = request.headers.get("access-token")
                if not supplied:
                    return self.error(40104, "Access token is null, please check your request.")
                if supplied != self.token or self.revoked:
                    message = "Access token is incorrect or has been revoked."
                    if self.echo_token_in_errors:
                        message += f" (token {supplied})"
                    return self.error(40105, message)
            if self._take(self._rate, path) is not None:
                headers = {"Retry-After": self._rate_retry_after} if self._rate_retry_after else None
                return JSONResponse(
                    self.envelope(
                        40100, "Due to too many requests, requests from App are temporarily restricted."
                    ),
                    headers=headers,
                )
            body_error = self._take(self._body_errors, path)
            if body_error is not None:
                return self.error(body_error[1], body_error[2])
            return await call_next(request)

        def json_param(request: Request, name: str, default: Any = None) -> Any:
            raw = request.query_params.get(name)
            return default if raw is None else json.loads(raw)

        def advertiser_or_error(advertiser_id: str | None) -> Advertiser | JSONResponse:
            advertiser = self.advertisers.get(advertiser_id or "")
            if advertiser is None:
                return self.error(40001, f"The advertiser {advertiser_id} doesn't exist or has been deleted.")
            return advertiser

        @app.post(f"{PREFIX}/oauth2/access_token/")
        async def access_token(request: Request) -> JSONResponse:
            body = await request.json()
            if body.get("app_id") != APP_ID or body.get("secret") != APP_SECRET:
                return self.error(40101, "Illegal access partner.")
            if body.get("auth_code") != AUTH_CODE:
                return self.error(40110, "Auth code is invalid or expired.")
            return JSONResponse(
                self.envelope(
                    data={
                        "access_token": self.token,
                        "advertiser_ids": list(self.advertisers),
                        "scope": [4, 15],
                    }
                )
            )

        @app.get(f"{PREFIX}/oauth2/advertiser/get/")
        async def advertiser_get(request: Request) -> JSONResponse:
            if (
                request.query_params.get("app_id") != APP_ID
                or request.query_params.get("secret") != APP_SECRET
            ):
                return self.error(40101, "Illegal access partner.")
            items = [
                {"advertiser_id": a.advertiser_id, "advertiser_name": a.name}
                for a in self.advertisers.values()
            ]
            return JSONResponse(self.envelope(data={"list": items}))

        @app.get(f"{PREFIX}/advertiser/info/")
        async def advertiser_info(request: Request) -> JSONResponse:
            ids = json_param(request, "advertiser_ids", [])
            if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
                return self.error(40002, "advertiser_ids: Length must be between 1 and 100.")
            fields = json_param(request, "fields")
            items = []
            for advertiser_id in ids:
                advertiser = advertiser_or_error(str(advertiser_id))
                if isinstance(advertiser, JSONResponse):
                    return advertiser
                item = {
                    "advertiser_id": advertiser.advertiser_id,
                    "name": advertiser.name,
                    "currency": advertiser.currency,
                    "timezone": advertiser.timezone,
                    "display_timezone": advertiser.timezone,
                    "status": advertiser.status,
                    "balance": 100.0,
                    "create_time": 1700000000,
                }
                items.append({k: v for k, v in item.items() if not fields or k in fields})
            return JSONResponse(self.envelope(data={"list": items}))

        def entity_list(level: str, request: Request) -> JSONResponse:
            advertiser = advertiser_or_error(request.query_params.get("advertiser_id"))
            if isinstance(advertiser, JSONResponse):
                return advertiser
            page = int(request.query_params.get("page", "1"))
            page_size = int(request.query_params.get("page_size", "10"))
            if not 1 <= page_size <= 1000:
                return self.error(40002, "page_size: Must be between 1 and 1000.")
            filtering = json_param(request, "filtering", {}) or {}
            fields = json_param(request, "fields")
            include_deleted = filtering.get("secondary_status") == f"{level.upper()}_STATUS_ALL"
            wanted_ids = set(filtering.get(f"{level}_ids") or [])
            items = [
                e.as_api()
                for e in self.entities
                if e.level == level
                and e.advertiser_id == advertiser.advertiser_id
                and (include_deleted or not e.deleted)
                and (not wanted_ids or e.id in wanted_ids)
            ]
            if fields:
                items = [{k: v for k, v in item.items() if k in fields} for item in items]
            return JSONResponse(self.envelope(data=self.page(items, page, page_size)))

        @app.get(f"{PREFIX}/campaign/get/")
        async def campaign_get(request: Request) -> JSONResponse:
            return entity_list("campaign", request)

        @app.get(f"{PREFIX}/adgroup/get/")
        async def adgroup_get(request: Request) -> JSONResponse:
            return entity_list("adgroup", request)

        @app.get(f"{PREFIX}/ad/get/")
        async def ad_get(request: Request) -> JSONResponse:
            return entity_list("ad", request)

        @app.get(f"{PREFIX}/report/integrated/get/")
        async def report(request: Request) -> JSONResponse:
            q = request.query_params
            advertiser = advertiser_or_error(q.get("advertiser_id"))
            if isinstance(advertiser, JSONResponse):
                return advertiser
            if (
                q.get("report_type") != "BASIC"
                or q.get("data_level") != "AUCTION_AD"
                or q.get("service_type") != "AUCTION"
            ):
                return self.error(40002, "This fake serves BASIC / AUCTION / AUCTION_AD reports only.")
            dimensions = json_param(request, "dimensions", [])
            if dimensions != ["ad_id", "stat_time_day"]:
                return self.error(40002, f"dimensions: unsupported {dimensions}")
            metrics = json_param(request, "metrics", [])
            page_size = int(q.get("page_size", "10"))
            if not 1 <= page_size <= 1000:
                return self.error(40002, "page_size: Must be between 1 and 1000.")
            start, end = date.fromisoformat(q["start_date"]), date.fromisoformat(q["end_date"])
            if end < start:
                return self.error(40002, "end_date must be after start_date")
            if (end - start).days + 1 > 30:
                return self.error(40002, "max time span is 30 days when use stat_time_day")
            filtering = json_param(request, "filtering", []) or []
            all_status = any(
                f.get("field_name") == "ad_status" and "STATUS_ALL" in json.loads(f.get("filter_value", "[]"))
                for f in filtering
            )
            every_ad = [
                e for e in self.entities if e.level == "ad" and e.advertiser_id == advertiser.advertiser_id
            ]
            ads = [(index, ad) for index, ad in enumerate(every_ad) if all_status or not ad.deleted]
            rows = []
            day = start
            while day <= end:
                active = self.activity_days is None or self.activity_days[0] <= day <= self.activity_days[1]
                if active:
                    for index, ad in ads:
                        values = self.metrics_for(ad, index, day)
                        attributes = {
                            "campaign_id": ad.campaign_id,
                            "adgroup_id": ad.adgroup_id,
                            "currency": advertiser.currency,
                        }
                        if self.omit_attribute_metrics:
                            attributes = {"currency": advertiser.currency}
                        row_metrics = {k: v for k, v in {**values, **attributes}.items() if k in metrics}
                        rows.append(
                            {
                                "dimensions": {
                                    "ad_id": ad.id,
                                    "stat_time_day": f"{day.isoformat()} 00:00:00",
                                },
                                "metrics": row_metrics,
                            }
                        )
                day += timedelta(days=1)
            return JSONResponse(self.envelope(data=self.page(rows, int(q.get("page", "1")), page_size)))

        def check_name(name: str) -> JSONResponse | None:
            if name in self.refuse_names:
                return self.error(40002, f"The name {name!r} already exists. Please try another one.")
            return None

        @app.post(f"{PREFIX}/campaign/create/")
        async def campaign_create(request: Request) -> JSONResponse:
            body = await request.json()
            advertiser = advertiser_or_error(body.get("advertiser_id"))
            if isinstance(advertiser, JSONResponse):
                return advertiser
            refused = check_name(body["campaign_name"])
            if refused:
                return refused
            if body.get("budget_mode") == "BUDGET_MODE_DAY" and float(body.get("budget", 0)) < 50:
                return self.error(40002, "Daily budget must be at least 50.")
            # operation_status on create is allowlist-only: like an app without the allowlist, ignore it.
            campaign = self.add(
                "campaign",
                advertiser.advertiser_id,
                body["campaign_name"],
                extra={
                    "budget": body.get("budget"),
                    "budget_mode": body.get("budget_mode"),
                    "objective_type": body.get("objective_type"),
                },
            )
            return JSONResponse(
                self.envelope(data={"campaign_id": campaign.id, "campaign_name": campaign.name})
            )

        @app.post(f"{PREFIX}/adgroup/create/")
        async def adgroup_create(request: Request) -> JSONResponse:
            body = await request.json()
            advertiser = advertiser_or_error(body.get("advertiser_id"))
            if isinstance(advertiser, JSONResponse):
                return advertiser
            if self.find("campaign", str(body.get("campaign_id"))) is None:
                return self.error(40002, "campaign_id: Campaign does not exist.")
            if not body.get("location_ids"):
                return self.error(40002, "location_ids: Field required.")
            refused = check_name(body["adgroup_name"])
            if refused:
                return refused
            group = self.add(
                "adgroup",
                advertiser.advertiser_id,
                body["adgroup_name"],
                campaign_id=str(body["campaign_id"]),
                operation_status=body.get("operation_status", "ENABLE"),
            )
            return JSONResponse(
                self.envelope(
                    data={
                        "adgroup_id": group.id,
                        "adgroup_name": group.name,
                        "operation_status": group.operation_status,
                    }
                )
            )

        @app.post(f"{PREFIX}/ad/create/")
        async def ad_create(request: Request) -> JSONResponse:
            body = await request.json()
            advertiser = advertiser_or_error(body.get("advertiser_id"))
            if isinstance(advertiser, JSONResponse):
                return advertiser
            group = self.find("adgroup", str(body.get("adgroup_id")))
            if group is None:
                return self.error(40002, "adgroup_id: Ad group does not exist.")
            ids = []
            for creative in body.get("creatives") or []:
                refused = check_name(creative["ad_name"])
                if refused:
                    return refused
                if not 12 <= len(creative.get("ad_text", "")) <= 100:
                    return self.error(40002, "ad_text: Length must be between 12 and 100.")
                ad = self.add(
                    "ad",
                    advertiser.advertiser_id,
                    creative["ad_name"],
                    campaign_id=group.campaign_id,
                    adgroup_id=group.id,
                    operation_status=creative.get("operation_status", "ENABLE"),
                    extra={
                        "ad_text": creative.get("ad_text"),
                        "landing_page_url": creative.get("landing_page_url"),
                    },
                )
                ids.append(ad.id)
            return JSONResponse(self.envelope(data={"ad_ids": ids, "creatives": []}))

        def status_update(level: str, body: dict[str, Any]) -> JSONResponse:
            advertiser = advertiser_or_error(body.get("advertiser_id"))
            if isinstance(advertiser, JSONResponse):
                return advertiser
            operation = body.get("operation_status")
            if operation not in ("ENABLE", "DISABLE", "DELETE"):
                return self.error(40002, "operation_status: Invalid enum value.")
            ids = body.get(f"{level}_ids") or []
            if not 1 <= len(ids) <= 20:
                return self.error(40002, f"{level}_ids: Length must be between 1 and 20.")
            for entity_id in ids:
                entity = self.find(level, str(entity_id))
                if entity is None or entity.advertiser_id != advertiser.advertiser_id:
                    return self.error(40002, f"{level}_ids: {entity_id} does not exist.")
                if entity.deleted:
                    return self.error(40002, "The status of deleted items cannot be modified.")
                if operation == "DELETE":
                    entity.deleted = True
                else:
                    entity.operation_status = operation
            return JSONResponse(self.envelope(data={f"{level}_ids": ids, "status": operation}))

        @app.post(f"{PREFIX}/campaign/status/update/")
        async def campaign_status(request: Request) -> JSONResponse:
            return status_update("campaign", await request.json())

        @app.post(f"{PREFIX}/adgroup/status/update/")
        async def adgroup_status(request: Request) -> JSONResponse:
            return status_update("adgroup", await request.json())

        @app.post(f"{PREFIX}/ad/status/update/")
        async def ad_status(request: Request) -> JSONResponse:
            return status_update("ad", await request.json())

        @app.post(f"{PREFIX}/campaign/update/")
        async def campaign_update(request: Request) -> JSONResponse:
            body = await request.json()
            campaign = self.find("campaign", str(body.get("campaign_id")))
            if campaign is None or campaign.advertiser_id != body.get("advertiser_id"):
                return self.error(40002, "campaign_id: Campaign does not exist.")
            if "budget" in body:
                campaign.extra["budget"] = body["budget"]
            if "campaign_name" in body:
                campaign.name = body["campaign_name"]
            return JSONResponse(
                self.envelope(data={"campaign_id": campaign.id, "budget": campaign.extra.get("budget")})
            )

        return app


@asynccontextmanager
async def run_fake_tiktok() -> AsyncIterator[FakeTikTok]:
    fake = FakeTikTok(port=free_port())
    async with serve_asgi(fake.app(), fake.port, what="fake TikTok API"):
        yield fake

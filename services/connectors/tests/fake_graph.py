"""A real Graph API stand-in on loopback HTTP for the Meta client tests.

It runs under ``uvicorn.Server`` on a free 127.0.0.1 port inside the test's event loop, and the official
``facebook-business`` SDK talks to it over real sockets (``FacebookSession.GRAPH`` points here), so the SDK
parses this server's JSON, error bodies and headers exactly as it would Meta's.

What it implements (``/vXX.X/...``):

* ``GET me/adaccounts`` (the token's accounts), ``GET act_<id>``;
* ``GET|POST act_<id>/campaigns|adsets|ads`` (reads are paged with ``limit``/``after`` cursors and ``next``
  URLs pointing back here; creates honour ``execution_options=["validate_only"]`` and write nothing then);
* ``GET act_<id>/insights`` (synchronous, ``level=ad``, ``time_increment=1``), ``POST act_<id>/insights``
  (async report: returns ``report_run_id``), ``GET <report_run_id>`` (status progresses per poll),
  ``GET <report_run_id>/insights``;
* ``POST <object id>`` updates (``status``, ``daily_budget``).

Every request must carry a known ``access_token`` with the matching ``appsecret_proof``; a token may only
touch its own accounts (a mismatch is recorded in ``violations`` and refused with #200). Every response carries
``x-app-usage``, ``x-ad-account-usage`` and ``x-business-use-case-usage``.

Misbehaviour on purpose: ``inject()`` (Graph error codes N times, e.g. 17/613/80004, 2 with HTTP 500),
``inject_raw()`` (a non-JSON gateway page), ``expire()`` (190), ``high_usage()`` (usage headers at 95 %),
``restate()`` (values change after the first insights read), ``reject_names`` (item-level refusal for bulk
creates), ``failed_jobs`` (report jobs ending "Job Failed"), ``job_steps`` (how a job progresses).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from adpilot_common.devstack.ports import free_port
from adpilot_common.testing.servers import serve_asgi

APP_ID = "1234567890"
APP_SECRET = "fake-graph-app-secret"

RATE_LIMIT_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


def appsecret_proof(token: str, secret: str = APP_SECRET) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


@dataclass
class Seen:
    method: str
    path: str
    token: str | None
    params: dict[str, Any]


@dataclass
class Injected:
    code: int | None
    times: int
    http_status: int = 400
    subcode: int | None = None
    message: str | None = None
    path: str | None = None  # only requests whose path contains this
    method: str | None = None
    is_transient: bool | None = None
    eta_minutes: int = 0  # estimated_time_to_regain_access in the business-use-case header
    raw_body: str | None = None  # send this text instead of a Graph error object
    skip: int = 0  # let this many matching requests through first


@dataclass
class FakeAccount:
    account_id: str  # bare numeric id
    name: str
    currency: str
    timezone_name: str
    business_id: str
    account_status: int = 1

    @property
    def node(self) -> str:
        return f"act_{self.account_id}"


@dataclass
class ReportRun:
    id: str
    account: FakeAccount
    params: dict[str, Any]
    polls: int = 0
    fail: bool = False


@dataclass
class HighUsage:
    pct: float
    eta_minutes: int
    responses: int
    header: str  # "app", "account" or "business"


def _enc(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _dec(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().split(":", 1)[1])


def _split_fields(value: str) -> list[str]:
    """``id,name,creative{id,object_story_spec}`` → top-level names (``creative``)."""
    names, depth, current = [], 0, ""
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            names.append(current)
            current = ""
            continue
        if depth == 0 and char != "}":
            current += char
    if current:
        names.append(current)
    return [name.strip() for name in names if name.strip()]


def _money(cents: int, currency: str) -> str:
    if currency in {"JPY", "KRW"}:
        return str(cents)
    return f"{Decimal(cents) / 100:.2f}"


class GraphError(Exception):
    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: int = 400,
        subcode: int | None = None,
        kind: str = "OAuthException",
        user_msg: str | None = None,
        is_transient: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.subcode = code, message, status, subcode
        self.kind, self.user_msg, self.is_transient = kind, user_msg, is_transient

    def body(self, trace: str) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.kind,
            "code": self.code,
            "fbtrace_id": trace,
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.is_transient is not None:
            error["is_transient"] = self.is_transient
        if self.user_msg:
            error["error_user_title"] = "Invalid parameter"
            error["error_user_msg"] = self.user_msg
        return {"error": error}


@dataclass
class FakeGraph:
    port: int
    app_secret: str = APP_SECRET
    accounts: dict[str, FakeAccount] = field(default_factory=dict)  # node "act_<id>" → account
    tokens: dict[str, set[str]] = field(default_factory=dict)  # token → account nodes it may touch
    expired_tokens: set[str] = field(default_factory=set)
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    adsets: dict[str, dict[str, Any]] = field(default_factory=dict)
    ads: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    injected: list[Injected] = field(default_factory=list)
    usage: list[HighUsage] = field(default_factory=list)
    reports: dict[str, ReportRun] = field(default_factory=dict)
    job_steps: list[tuple[str, int]] = field(
        default_factory=lambda: [
            ("Job Not Started", 0),
            ("Job Running", 35),
            ("Job Running", 80),
            ("Job Completed", 100),
        ]
    )
    failed_jobs: int = 0  # this many report jobs end in "Job Failed"
    reject_names: set[str] = field(default_factory=set)  # creates with such a name fail with #100
    overrides: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (ad id, day) → fields
    pending_restatements: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(120210000000001))
    _traces: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # ------------------------------------------------------------------ set-up helpers for tests

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_account(
        self,
        account_id: str,
        token: str,
        *,
        name: str | None = None,
        currency: str = "EUR",
        timezone_name: str = "Europe/Berlin",
        business_id: str = "5550001",
        campaigns: int = 0,
        adsets_per_campaign: int = 1,
        ads_per_adset: int = 1,
        daily_budget: int = 5000,
    ) -> FakeAccount:
        account = FakeAccount(
            account_id, name or f"Account {account_id}", currency, timezone_name, business_id
        )
        self.accounts[account.node] = account
        self.tokens.setdefault(token, set()).add(account.node)
        for c in range(campaigns):
            campaign_id = self.new_id()
            self.campaigns[campaign_id] = {
                "id": campaign_id,
                "account": account.node,
                "name": f"Campaign {c + 1}",
                "status": "ACTIVE" if c % 3 else "PAUSED",
                "effective_status": "ACTIVE" if c % 3 else "PAUSED",
                "objective": "OUTCOME_SALES",
                "daily_budget": str(daily_budget + c),
            }
            for s in range(adsets_per_campaign):
                adset_id = self.new_id()
                self.adsets[adset_id] = {
                    "id": adset_id,
                    "account": account.node,
                    "campaign_id": campaign_id,
                    "name": f"Ad set {c + 1}.{s + 1}",
                    "status": "ACTIVE",
                    "effective_status": "ACTIVE",
                }
                for a in range(ads_per_adset):
                    ad_id = self.new_id()
                    self.ads[ad_id] = {
                        "id": ad_id,
                        "account": account.node,
                        "campaign_id": campaign_id,
                        "adset_id": adset_id,
                        "name": f"Ad {c + 1}.{s + 1}.{a + 1}",
                        "status": "ACTIVE",
                        "effective_status": "ACTIVE",
                        "creative": {
                            "id": self.new_id(),
                            "object_story_spec": {
                                "page_id": "777",
                                "link_data": {
                                    "link": f"https://shop.example/p/{c + 1}",
                                    "message": f"Primary text {c + 1}",
                                    "name": f"Headline {c + 1}",
                                    "description": f"Description {c + 1}",
                                },
                            },
                        },
                    }
        return account

    def inject(self, code: int | None, times: int = 1, **kwargs: Any) -> None:
        self.injected.append(Injected(code=code, times=times, **kwargs))

    def inject_raw(self, status: int, body: str, times: int = 1, **kwargs: Any) -> None:
        self.injected.append(Injected(code=None, times=times, http_status=status, raw_body=body, **kwargs))

    def expire(self, token: str) -> None:
        self.expired_tokens.add(token)

    def high_usage(
        self, pct: float = 95.0, *, eta_minutes: int = 0, responses: int = 1, header: str = "business"
    ) -> None:
        self.usage.append(HighUsage(pct, eta_minutes, responses, header))

    def restate(self, ad_id: str, day: date, **fields: Any) -> None:
        """Change an ad's row for ``day`` once the current insights read has been served to the end."""
        self.pending_restatements.append((ad_id, day.isoformat(), fields))

    def seen(self, method: str | None = None, contains: str = "") -> list[Seen]:
        return [s for s in self.requests if (method is None or s.method == method) and contains in s.path]

    # ------------------------------------------------------------------ insights data

    def metric_row(self, ad: dict[str, Any], day: str) -> dict[str, Any]:
        """Deterministic daily values for one ad (zero actions are omitted, as Meta does)."""
        account = self.accounts[ad["account"]]
        seed = int(ad["id"][-4:]) * 31 + date.fromisoformat(day).toordinal()
        purchases = seed % 4
        row: dict[str, Any] = {
            "account_id": account.account_id,
            "campaign_id": ad["campaign_id"],
            "adset_id": ad["adset_id"],
            "ad_id": ad["id"],
            "date_start": day,
            "date_stop": day,
            "impressions": str(1000 + seed % 500),
            "clicks": str(20 + seed % 30),
            "spend": _money(1000 + seed % 2000, account.currency),
            "account_currency": account.currency,
            "actions": [{"action_type": "link_click", "value": str(20 + seed % 30)}],
            "action_values": [],
        }
        if purchases:
            value = _money(purchases * 2599, account.currency)
            for action_type in ("offsite_conversion.fb_pixel_purchase", "purchase", "omni_purchase"):
                row["actions"].append({"action_type": action_type, "value": str(purchases)})
                row["action_values"].append({"action_type": action_type, "value": value})
        else:
            del row["action_values"]
        row.update(self.overrides.get((ad["id"], day), {}))
        return row

    def insight_rows(self, account: FakeAccount, params: dict[str, Any]) -> list[dict[str, Any]]:
        if params.get("level") != "ad" or str(params.get("time_increment")) != "1":
            raise GraphError(
                100, "(#100) this fake serves level=ad, time_increment=1 only", kind="GraphMethodException"
            )
        time_range = params["time_range"]
        if isinstance(time_range, str):
            time_range = json.loads(time_range)
        start, end = date.fromisoformat(time_range["since"]), date.fromisoformat(time_range["until"])
        fields = params.get("fields") or ""
        # GET sends fields=a,b,c; the SDK's async POST sends them as a JSON list.
        wanted = set(json.loads(fields) if fields.startswith("[") else _split_fields(fields))
        ads = sorted((a for a in self.ads.values() if a["account"] == account.node), key=lambda a: a["id"])
        rows = []
        day = start
        while day <= end:
            for ad in ads:
                row = self.metric_row(ad, day.isoformat())
                rows.append({k: v for k, v in row.items() if k in wanted or k in {"date_start", "date_stop"}})
            day += timedelta(days=1)
        return rows

    # ------------------------------------------------------------------ HTTP plumbing

    def _trace(self) -> str:
        return f"AFakeTrace{next(self._traces):06d}"

    def _usage_headers(self, account: FakeAccount | None, error: Injected | None = None) -> dict[str, str]:
        app: dict[str, float] = {"call_count": 2, "total_cputime": 1, "total_time": 1}
        acc: dict[str, Any] = {
            "acc_id_util_pct": 3.5,
            "reset_time_duration": 0,
            "ads_api_access_tier": "standard_access",
        }
        buc: dict[str, Any] = {
            "type": "ads_management",
            "call_count": 2,
            "total_cputime": 1,
            "total_time": 1,
            "estimated_time_to_regain_access": 0,
            "ads_api_access_tier": "standard_access",
        }
        if (
            error is not None
            and error.code is not None
            and (error.code in RATE_LIMIT_MESSAGES or error.code >= 80000)
        ):
            buc.update(call_count=100, estimated_time_to_regain_access=error.eta_minutes)
        elif self.usage:
            high = self.usage[0]
            if high.header == "app":
                app["call_count"] = high.pct
            elif high.header == "account":
                acc["acc_id_util_pct"] = high.pct
            else:
                buc.update(call_count=high.pct, estimated_time_to_regain_access=high.eta_minutes)
            high.responses -= 1
            if high.responses <= 0:
                self.usage.pop(0)
        headers = {"x-app-usage": json.dumps(app), "x-fb-trace-id": self._trace()}
        if account is not None:
            headers["x-ad-account-usage"] = json.dumps(acc)
            headers["x-business-use-case-usage"] = json.dumps({account.business_id: [buc]})
        return headers

    def _take_injection(self, method: str, path: str) -> Injected | None:
        for injection in self.injected:
            if injection.times <= 0:
                continue
            if injection.path and injection.path not in path:
                continue
            if injection.method and injection.method != method:
                continue
            if injection.skip > 0:
                injection.skip -= 1
                return None
            injection.times -= 1
            return injection
        return None

    def _error_response(
        self, error: GraphError, account: FakeAccount | None, injected: Injected | None = None
    ) -> Response:
        return JSONResponse(
            error.body(self._trace()),
            status_code=error.status,
            headers=self._usage_headers(account, injected),
        )

    def _page(
        self, request: Request, version: str, path: str, params: dict[str, Any], items: list[dict[str, Any]]
    ) -> dict[str, Any]:
        limit = int(params.get("limit") or 25)
        offset = _dec(params["after"]) if params.get("after") else 0
        data = items[offset : offset + limit]
        body: dict[str, Any] = {"data": data}
        if data:
            body["paging"] = {"cursors": {"before": _enc(offset), "after": _enc(offset + len(data))}}
            if offset + len(data) < len(items):
                query = {k: v for k, v in request.query_params.items() if k != "after"}
                query.update({k: v for k, v in params.items() if k in {"fields", "limit"}})
                query["after"] = _enc(offset + len(data))
                body["paging"]["next"] = f"{self.url}/{version}/{path}?{urlencode(query)}"
        return body

    @staticmethod
    def _project(
        obj: dict[str, Any], params: dict[str, Any], default: Iterable[str] = ("id",)
    ) -> dict[str, Any]:
        wanted = set(_split_fields(params.get("fields", ""))) or set(default)
        return {k: v for k, v in obj.items() if k in wanted | {"id"} and k != "account"}

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{version}/{path:path}", methods=["GET", "POST", "DELETE"])
        async def graph(version: str, path: str, request: Request) -> Response:
            params: dict[str, Any] = dict(request.query_params)
            if request.method == "POST":
                params.update(parse_qsl((await request.body()).decode()))
            token = params.pop("access_token", None)
            proof = params.pop("appsecret_proof", None)
            path = path.strip("/")
            self.requests.append(Seen(request.method, path, token, dict(params)))
            parts = [p for p in path.split("/") if p]
            account = self.accounts.get(parts[0]) if parts else None
            if not re.fullmatch(r"v\d+\.\d+", version):
                return self._error_response(
                    GraphError(2500, "Unknown path components", kind="OAuthException"), None
                )
            self.versions.add(version)

            if not token or token not in self.tokens:
                err = GraphError(190, "Invalid OAuth access token - Cannot parse access token")
                return self._error_response(err, None)
            if proof != appsecret_proof(token, self.app_secret):
                err = GraphError(
                    100, "Invalid appsecret_proof provided in the API argument", kind="GraphMethodException"
                )
                return self._error_response(err, None)
            if token in self.expired_tokens:
                err = GraphError(
                    190,
                    "Error validating access token: Session has expired on Tuesday, 10-Jun-25 04:00:00 PDT.",
                    subcode=463,
                )
                return self._error_response(err, account)

            injection = self._take_injection(request.method, path)
            if injection is not None:
                if injection.raw_body is not None:
                    return Response(
                        injection.raw_body, status_code=injection.http_status, media_type="text/html"
                    )
                code = injection.code or 1
                message = (
                    injection.message
                    or RATE_LIMIT_MESSAGES.get(code)
                    or (
                        "(#80004) There have been too many calls to this ad-account. Wait a bit and try again."
                        if code >= 80000
                        else "An unexpected error has occurred. Please retry your request later."
                    )
                )
                err = GraphError(
                    code,
                    message,
                    status=injection.http_status,
                    subcode=injection.subcode,
                    is_transient=injection.is_transient
                    if injection.is_transient is not None
                    else code in {1, 2},
                )
                return self._error_response(err, account, injection)

            try:
                body = self._dispatch(request, version, path, parts, params, token)
            except GraphError as err:
                return self._error_response(err, account)
            return JSONResponse(body, headers=self._usage_headers(account))

        return app

    def _owned(self, token: str, node: str) -> None:
        if node not in self.tokens.get(token, set()):
            self.violations.append(f"token for {sorted(self.tokens[token])} used on {node}")
            raise GraphError(
                200,
                "(#200) Ad account owner has NOT grant ads_management or ads_read permission",
                status=403,
                kind="OAuthException",
            )

    def _owner_of(self, object_id: str) -> str | None:
        for table in (self.campaigns, self.adsets, self.ads):
            if object_id in table:
                return str(table[object_id]["account"])
        if object_id in self.reports:
            return self.reports[object_id].account.node
        return None

    def _dispatch(
        self, request: Request, version: str, path: str, parts: list[str], params: dict[str, Any], token: str
    ) -> dict[str, Any]:
        method = request.method
        if parts == ["me", "adaccounts"] and method == "GET":
            accounts = [self.accounts[n] for n in sorted(self.tokens[token])]
            rows = [
                {
                    "id": a.node,
                    "account_id": a.account_id,
                    "name": a.name,
                    "currency": a.currency,
                    "timezone_name": a.timezone_name,
                    "account_status": a.account_status,
                }
                for a in accounts
            ]
            return self._page(request, version, path, params, [self._project(r, params) for r in rows])

        head = parts[0]
        if head.startswith("act_"):
            if head not in self.accounts:
                raise GraphError(
                    100, f"(#100) Unsupported get request. Object with ID '{head}' does not exist", subcode=33
                )
            self._owned(token, head)
            account = self.accounts[head]
            if len(parts) == 1 and method == "GET":
                obj = {
                    "id": account.node,
                    "account_id": account.account_id,
                    "name": account.name,
                    "currency": account.currency,
                    "timezone_name": account.timezone_name,
                    "account_status": account.account_status,
                }
                return self._project(obj, params)
            edge = parts[1]
            tables = {"campaigns": self.campaigns, "adsets": self.adsets, "ads": self.ads}
            if edge in tables and method == "GET":
                items = sorted(
                    (o for o in tables[edge].values() if o["account"] == head), key=lambda o: o["id"]
                )
                return self._page(request, version, path, params, [self._project(o, params) for o in items])
            if edge in tables and method == "POST":
                return self._create(account, edge, params)
            if edge == "insights" and method == "GET":
                return self._serve_insights(
                    request, version, path, params, self.insight_rows(account, params)
                )
            if edge == "insights" and method == "POST":
                run = ReportRun(self.new_id(), account, params, fail=self.failed_jobs > 0)
                self.failed_jobs = max(0, self.failed_jobs - 1)
                self.reports[run.id] = run
                return {"report_run_id": run.id}

        owner = self._owner_of(head)
        if owner is None:
            raise GraphError(
                100,
                f"Unsupported {method.lower()} request. Object with ID '{head}' does not exist, cannot be loaded "
                "due to missing permissions, or does not support this operation.",
                subcode=33,
                kind="GraphMethodException",
            )
        self._owned(token, owner)
        if head in self.reports:
            run = self.reports[head]
            if len(parts) == 1 and method == "GET":
                step = self.job_steps[min(run.polls, len(self.job_steps) - 1)]
                run.polls += 1
                status, pct = ("Job Failed", 0) if run.fail and run.polls > 1 else step
                time_range = json.loads(run.params["time_range"])
                return {
                    "id": run.id,
                    "account_id": run.account.account_id,
                    "async_status": status,
                    "async_percent_completion": pct,
                    "date_start": time_range["since"],
                    "date_stop": time_range["until"],
                    "time_ref": 1750000000,
                }
            if parts[1:] == ["insights"] and method == "GET":
                if run.fail or run.polls < len(self.job_steps):
                    raise GraphError(100, "(#100) Report is not ready yet", kind="GraphMethodException")
                rows = self.insight_rows(run.account, run.params)
                return self._serve_insights(request, version, path, params, rows)
        if len(parts) == 1 and method == "POST":
            return self._update(head, params)
        if len(parts) == 1 and method == "GET":
            for table in (self.campaigns, self.adsets, self.ads):
                if head in table:
                    return self._project(table[head], params)
        raise GraphError(100, f"(#100) Unsupported {method} {path}", kind="GraphMethodException")

    def _serve_insights(
        self, request: Request, version: str, path: str, params: dict[str, Any], rows: list[dict[str, Any]]
    ) -> dict[str, Any]:
        body = self._page(request, version, path, params, rows)
        if "next" not in body.get("paging", {}):
            for ad_id, day, fields in self.pending_restatements:
                self.overrides.setdefault((ad_id, day), {}).update(fields)
            self.pending_restatements.clear()
        return body

    @staticmethod
    def _require(params: dict[str, Any], *names: str) -> None:
        for name in names:
            if params.get(name) in (None, ""):
                raise GraphError(100, f"(#100) The parameter {name} is required", kind="OAuthException")

    def _create(self, account: FakeAccount, edge: str, params: dict[str, Any]) -> dict[str, Any]:
        options = json.loads(params.get("execution_options") or "[]")
        validate_only = "validate_only" in options
        if edge == "campaigns":
            self._require(params, "name", "objective", "status", "special_ad_categories")
            budget = params.get("daily_budget")
            if budget is not None and int(budget) < 100:
                raise GraphError(
                    100,
                    "Invalid parameter",
                    subcode=1885272,
                    user_msg="Your budget is too low.",
                    kind="OAuthException",
                )
        elif edge == "adsets":
            self._require(
                params, "name", "campaign_id", "billing_event", "optimization_goal", "targeting", "status"
            )
            if params["campaign_id"] not in self.campaigns:
                raise GraphError(
                    100, "Invalid parameter", subcode=1487056, user_msg="The campaign does not exist."
                )
        else:
            self._require(params, "name", "adset_id", "creative", "status")
            if params["adset_id"] not in self.adsets:
                raise GraphError(
                    100, "Invalid parameter", subcode=1487056, user_msg="The ad set does not exist."
                )
            creative = json.loads(params["creative"])
            spec = creative.get("object_story_spec") or {}
            video = spec.get("video_data") or {}
            video_link = ((video.get("call_to_action") or {}).get("value") or {}).get("link")
            video_ok = bool(
                video.get("video_id") and video_link and (video.get("image_url") or video.get("image_hash"))
            )
            if not spec.get("page_id") or not ((spec.get("link_data") or {}).get("link") or video_ok):
                raise GraphError(
                    100, "Invalid parameter", subcode=1443048, user_msg="object_story_spec is incomplete."
                )
        if params["name"] in self.reject_names:
            raise GraphError(
                100,
                "Invalid parameter",
                subcode=1487301,
                user_msg=f"The name {params['name']!r} violates advertising policies.",
            )
        if validate_only:
            return {"success": True}
        new_id = self.new_id()
        record: dict[str, Any] = {
            "id": new_id,
            "account": account.node,
            "name": params["name"],
            "status": params["status"],
        }
        if edge == "campaigns":
            record.update(objective=params["objective"], effective_status=params["status"])
            if params.get("daily_budget") is not None:
                record["daily_budget"] = str(params["daily_budget"])
            self.campaigns[new_id] = record
        elif edge == "adsets":
            record.update(
                campaign_id=params["campaign_id"],
                billing_event=params["billing_event"],
                optimization_goal=params["optimization_goal"],
                targeting=json.loads(params["targeting"]),
                effective_status=params["status"],
            )
            self.adsets[new_id] = record
        else:
            creative = json.loads(params["creative"])
            record.update(
                adset_id=params["adset_id"],
                campaign_id=self.adsets[params["adset_id"]]["campaign_id"],
                creative={"id": self.new_id(), **creative},
                effective_status=params["status"],
            )
            self.ads[new_id] = record
        return {"id": new_id}

    def _update(self, object_id: str, params: dict[str, Any]) -> dict[str, Any]:
        for table in (self.campaigns, self.adsets, self.ads):
            if object_id in table:
                record = table[object_id]
                if "status" in params:
                    if params["status"] not in {"ACTIVE", "PAUSED", "DELETED", "ARCHIVED"}:
                        raise GraphError(
                            100, "(#100) Param status must be one of {ACTIVE, PAUSED, DELETED, ARCHIVED}"
                        )
                    record["status"] = params["status"]
                if "daily_budget" in params:
                    if table is not self.campaigns:
                        raise GraphError(100, "(#100) daily_budget is not a field of this object")
                    record["daily_budget"] = str(int(params["daily_budget"]))
                return {"success": True}
        raise GraphError(100, f"(#100) Object {object_id} does not exist", subcode=33)


@asynccontextmanager
async def run_fake_graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(port=free_port())
    async with serve_asgi(fake.app(), fake.port, what="fake Graph API"):
        yield fake

"""A loopback gRPC stand-in for the Google Ads API, spoken to by the real google-ads SDK.

* Real gRPC over TLS on 127.0.0.1: a throwaway CA and server certificate are made with ``cryptography``;
  the SDK trusts the CA through ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` (set before the first secure channel).
* ``GoogleAdsService.SearchStream``/``Mutate`` and ``CustomerService.ListAccessibleCustomers`` are registered
  with ``grpc.method_handlers_generic_handler`` using the SDK's own proto-plus request/response classes.
* Errors are ``GoogleAdsFailure`` messages in the ``google.ads.googleads.failure-bin`` trailing metadata,
  like Google's; the ``developer-token``, ``login-customer-id`` and ``authorization`` metadata are checked.
* GAQL is matched, not parsed: the ``FROM`` resource, ``segments.date BETWEEN`` and ``<field> = <id>``.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import itertools
import re
import tempfile
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from google.protobuf import any_pb2
from google.rpc import status_pb2

from adpilot_connectors.platforms.google_ads import API_VERSION

V = API_VERSION
PREFIX = f"google.ads.googleads.{V}"

DEVELOPER_TOKEN = "devtoken-SECRET-123"
ACCESS_TOKEN = "ya29.ACCESS-TOKEN-SECRET"
REFRESHED_TOKEN = "ya29.REFRESHED-TOKEN-SECRET"
REFRESH_TOKEN = "1//REFRESH-TOKEN-SECRET"
CLIENT_ID = "client-id.apps.googleusercontent.com"
CLIENT_SECRET = "CLIENT-SECRET-XYZ"


def _mod(name: str) -> Any:
    import importlib

    return importlib.import_module(f"{PREFIX}.{name}")


svc = _mod("services.types.google_ads_service")
customer_svc = _mod("services.types.customer_service")
errors_mod = _mod("errors.types.errors")


# ------------------------------------------------------------------------------------------------------ TLS


@functools.cache
def _process_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """One test CA per process: gRPC reads its default roots (``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH``) once per
    process, so every fake server of a test run must chain to the CA the first secure channel loaded."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-google-ads test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca_cert


def make_tls(directory: Path) -> tuple[bytes, bytes, Path]:
    """(server key PEM, server cert chain PEM, CA file path) for 127.0.0.1 / localhost."""
    now = dt.datetime.now(dt.UTC)
    ca_key, ca_cert = _process_ca()
    ca_name = ca_cert.subject
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = directory / "fake-google-ads-ca.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM), ca_path


# ---------------------------------------------------------------------------------------------------- state


@dataclass
class FakeCustomer:
    id: str
    name: str
    currency: str
    time_zone: str
    manager: bool = False
    status: str = "ENABLED"
    clients: list[str] = field(default_factory=list)


@dataclass
class Fault:
    kind: str  # "quota" | "auth" | "permission" | "transient" | "unavailable"
    method: str | None = None  # "SearchStream" | "Mutate" | "ListAccessibleCustomers" | None = any
    retry_delay_s: int = 0


class _Abort(Exception):
    def __init__(self, code: grpc.StatusCode, failure: Any, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.failure = failure
        self.message = message


def _error(category: str, code: str, message: str, *, index: int | None = None, retry_s: int = 0) -> Any:
    enum_cls = errors_mod.ErrorCode.meta.fields[category].enum
    error = errors_mod.GoogleAdsError(
        error_code=errors_mod.ErrorCode(**{category: enum_cls[code]}), message=message
    )
    if index is not None:
        error.location = errors_mod.ErrorLocation(
            field_path_elements=[
                errors_mod.ErrorLocation.FieldPathElement(field_name="mutate_operations", index=index)
            ]
        )
    if retry_s:
        error.details = errors_mod.ErrorDetails(
            quota_error_details=errors_mod.QuotaErrorDetails(
                rate_scope=errors_mod.QuotaErrorDetails.meta.fields["rate_scope"].enum.DEVELOPER,
                rate_name="Number of operations for basic access",
                retry_delay=dt.timedelta(seconds=retry_s),
            )
        )
    return error


def _failure(*errors: Any) -> Any:
    return errors_mod.GoogleAdsFailure(errors=list(errors), request_id="fake-req-1")


class FakeGoogleAds:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.customers: dict[str, FakeCustomer] = {}
        self.accessible: list[str] = []
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.budgets: dict[str, dict[str, Any]] = {}  # resource name -> budget
        self.ad_groups: dict[str, dict[str, Any]] = {}
        self.ads: dict[str, dict[str, Any]] = {}
        self.metrics: dict[tuple[str, str], dict[str, Any]] = {}  # (ad id, day) -> row
        self.faults: list[Fault] = []
        self.calls: list[dict[str, Any]] = []  # method, customer_id, login, query / operations
        self.valid_tokens = {ACCESS_TOKEN, REFRESHED_TOKEN}
        self.policy_terms: set[str] = set()  # ad copy containing one is disapproved (policy_finding_error)
        self._ids = itertools.count(9_000_001)

    # ---- seeding

    def add_customer(self, customer: FakeCustomer, *, accessible: bool = True) -> FakeCustomer:
        self.customers[customer.id] = customer
        if accessible:
            self.accessible.append(customer.id)
        return customer

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_campaign(self, customer: str, name: str, *, budget_micros: int, status: str = "ENABLED") -> str:
        cid = self.new_id()
        budget = f"customers/{customer}/campaignBudgets/{self.new_id()}"
        self.budgets[budget] = {
            "customer": customer,
            "amount_micros": budget_micros,
            "name": f"{name} budget",
        }
        self.campaigns[cid] = {
            "customer": customer,
            "name": name,
            "status": status,
            "budget": budget,
            "channel": "SEARCH",
        }
        return cid

    def add_ad_group(self, customer: str, campaign: str, name: str, status: str = "ENABLED") -> str:
        gid = self.new_id()
        self.ad_groups[gid] = {"customer": customer, "campaign": campaign, "name": name, "status": status}
        return gid

    def add_ad(
        self,
        customer: str,
        ad_group: str,
        name: str,
        *,
        headlines: list[str],
        descriptions: list[str],
        final_url: str,
        status: str = "ENABLED",
    ) -> str:
        aid = self.new_id()
        self.ads[aid] = {
            "customer": customer,
            "ad_group": ad_group,
            "name": name,
            "status": status,
            "headlines": headlines,
            "descriptions": descriptions,
            "final_urls": [final_url],
        }
        return aid

    def set_metric(self, ad_id: str, day: str, **values: Any) -> None:
        row = self.metrics.setdefault(
            (ad_id, day),
            {"impressions": 0, "clicks": 0, "cost_micros": 0, "conversions": 0.0, "conversions_value": 0.0},
        )
        row.update(values)

    # ---- request checks

    def _check(self, method: str, context: grpc.ServicerContext, customer_id: str | None) -> str | None:
        metadata = dict(context.invocation_metadata())
        login = metadata.get("login-customer-id")
        with self.lock:
            self.calls.append({"method": method, "customer_id": customer_id, "login": login})
            fault = next((f for f in self.faults if f.method in (None, method)), None)
            if fault is not None:
                self.faults.remove(fault)
        if fault is not None:
            self._raise_fault(fault)
        if metadata.get("developer-token") != DEVELOPER_TOKEN:
            raise _Abort(
                grpc.StatusCode.PERMISSION_DENIED,
                _failure(_error("authentication_error", "DEVELOPER_TOKEN_INVALID", "bad developer token")),
                "The caller does not have permission",
            )
        auth = metadata.get("authorization", "")
        if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") not in self.valid_tokens:
            raise _Abort(
                grpc.StatusCode.UNAUTHENTICATED,
                _failure(
                    _error("authentication_error", "OAUTH_TOKEN_INVALID", "Request had invalid credentials.")
                ),
                "Request is missing required authentication credential.",
            )
        if customer_id is not None and not self._may_access(login, customer_id):
            raise _Abort(
                grpc.StatusCode.PERMISSION_DENIED,
                _failure(
                    _error(
                        "authorization_error",
                        "USER_PERMISSION_DENIED",
                        "User doesn't have permission to access customer. Note: If you're accessing a client "
                        "customer, the manager's customer id must be set in the 'login-customer-id' header.",
                    )
                ),
                "The caller does not have permission",
            )
        return login

    def _may_access(self, login: str | None, customer_id: str) -> bool:
        if customer_id not in self.customers:
            return False
        if login is None or login == customer_id:
            return customer_id in self.accessible
        if login not in self.accessible:
            return False
        stack, seen = [login], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            children = self.customers[current].clients if current in self.customers else []
            if customer_id in children:
                return True
            stack.extend(children)
        return False

    @staticmethod
    def _raise_fault(fault: Fault) -> None:
        if fault.kind == "quota":
            raise _Abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                _failure(
                    _error(
                        "quota_error",
                        "RESOURCE_EXHAUSTED",
                        f"Too many requests. Retry in {fault.retry_delay_s} seconds.",
                        retry_s=fault.retry_delay_s,
                    )
                ),
                "Resource has been exhausted (e.g. check quota).",
            )
        if fault.kind == "auth":
            raise _Abort(
                grpc.StatusCode.UNAUTHENTICATED,
                _failure(
                    _error(
                        "authentication_error",
                        "OAUTH_TOKEN_REVOKED",
                        f"The OAuth token {ACCESS_TOKEN} in the header has been revoked.",
                    )
                ),
                "Request had invalid authentication credentials.",
            )
        if fault.kind == "permission":
            raise _Abort(
                grpc.StatusCode.PERMISSION_DENIED,
                _failure(_error("authorization_error", "USER_PERMISSION_DENIED", "permission denied")),
                "The caller does not have permission",
            )
        if fault.kind == "transient":
            raise _Abort(
                grpc.StatusCode.INTERNAL,
                _failure(_error("internal_error", "TRANSIENT_ERROR", "An internal error has occurred.")),
                "Internal error encountered.",
            )
        raise _Abort(grpc.StatusCode.UNAVAILABLE, None, "The service is currently unavailable.")

    @staticmethod
    def _abort(context: grpc.ServicerContext, abort: _Abort) -> None:
        metadata: list[tuple[str, Any]] = [("request-id", "fake-req-1")]
        if abort.failure is not None:
            metadata.append(
                ("google.ads.googleads.failure-bin", errors_mod.GoogleAdsFailure.serialize(abort.failure))
            )
        context.set_trailing_metadata(tuple(metadata))
        context.abort(abort.code, abort.message)

    # ---- ListAccessibleCustomers

    def list_accessible(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            self._check("ListAccessibleCustomers", context, None)
        except _Abort as abort:
            self._abort(context, abort)
        return customer_svc.ListAccessibleCustomersResponse(
            resource_names=[f"customers/{c}" for c in self.accessible]
        )

    # ---- SearchStream

    def search_stream(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            self._check("SearchStream", context, request.customer_id)
            rows = self._query(request.customer_id, request.query)
        except _Abort as abort:
            self._abort(context, abort)
            return
        self.calls[-1]["query"] = request.query
        for start in range(0, len(rows), 10_000):
            yield svc.SearchGoogleAdsStreamResponse(
                results=rows[start : start + 10_000], request_id="fake-req-1"
            )

    def _query(self, customer_id: str, query: str) -> list[Any]:
        match = re.search(r"\bFROM\s+(\w+)", query)
        resource = match.group(1) if match else ""
        where = dict(re.findall(r"([\w.]+)\s*=\s*(\d+)", query))
        rows: list[Any] = []
        row_cls = svc.GoogleAdsRow
        customer = self.customers[customer_id]
        if resource == "customer":
            rows.append(row_cls(customer=self._customer_msg(customer)))
        elif resource == "customer_client":
            if not customer.manager:
                return []
            for client_id, level in self._descendants(customer_id):
                client = self.customers[client_id]
                rows.append(
                    row_cls(
                        customer_client={
                            "resource_name": f"customers/{customer_id}/customerClients/{client_id}",
                            "client_customer": f"customers/{client_id}",
                            "id": int(client_id),
                            "descriptive_name": client.name,
                            "currency_code": client.currency,
                            "time_zone": client.time_zone,
                            "manager": client.manager,
                            "status": client.status,
                            "level": level,
                        }
                    )
                )
        elif resource == "campaign":
            for cid, c in self.campaigns.items():
                if c["customer"] != customer_id or where.get("campaign.id", cid) != cid:
                    continue
                rows.append(
                    row_cls(
                        campaign={
                            "resource_name": f"customers/{customer_id}/campaigns/{cid}",
                            "id": int(cid),
                            "name": c["name"],
                            "status": c["status"],
                            "advertising_channel_type": c["channel"],
                            "campaign_budget": c["budget"],
                        },
                        campaign_budget={
                            "resource_name": c["budget"],
                            "amount_micros": self.budgets[c["budget"]]["amount_micros"],
                        },
                    )
                )
        elif resource == "ad_group":
            for gid, g in self.ad_groups.items():
                if g["customer"] == customer_id:
                    rows.append(
                        row_cls(
                            ad_group={"id": int(gid), "name": g["name"], "status": g["status"]},
                            campaign={"id": int(g["campaign"])},
                        )
                    )
        elif resource == "ad_group_ad":
            dates = re.search(r"segments\.date\s+BETWEEN\s+'([\d-]+)'\s+AND\s+'([\d-]+)'", query)
            if dates:
                if customer.manager:
                    raise _Abort(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        _failure(
                            _error(
                                "query_error",
                                "REQUESTED_METRICS_FOR_MANAGER",
                                "Metrics cannot be requested for a manager account.",
                            )
                        ),
                        "Request contains an invalid argument.",
                    )
                return self._metric_rows(customer, dates.group(1), dates.group(2))
            for aid, a in self.ads.items():
                if a["customer"] != customer_id or where.get("ad_group_ad.ad.id", aid) != aid:
                    continue
                rows.append(
                    row_cls(
                        ad_group_ad={
                            "resource_name": f"customers/{customer_id}/adGroupAds/{a['ad_group']}~{aid}",
                            "status": a["status"],
                            "ad": {
                                "id": int(aid),
                                "name": a["name"],
                                "final_urls": a["final_urls"],
                                "responsive_search_ad": {
                                    "headlines": [{"text": h} for h in a["headlines"]],
                                    "descriptions": [{"text": d} for d in a["descriptions"]],
                                },
                            },
                        },
                        ad_group={"id": int(a["ad_group"])},
                    )
                )
        else:
            raise _Abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                _failure(_error("query_error", "INVALID_RESOURCE_NAME", f"unknown resource {resource!r}")),
                "Request contains an invalid argument.",
            )
        return rows

    def _descendants(self, manager: str, level: int = 1) -> Iterator[tuple[str, int]]:
        for child in self.customers[manager].clients:
            yield child, level
            if self.customers[child].manager:
                yield from self._descendants(child, level + 1)

    def _customer_msg(self, c: FakeCustomer) -> dict[str, Any]:
        return {
            "resource_name": f"customers/{c.id}",
            "id": int(c.id),
            "descriptive_name": c.name,
            "currency_code": c.currency,
            "time_zone": c.time_zone,
            "manager": c.manager,
            "status": c.status,
        }

    def _metric_rows(self, customer: FakeCustomer, start: str, end: str) -> list[Any]:
        rows = []
        for (aid, day), m in sorted(self.metrics.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            ad = self.ads[aid]
            if ad["customer"] != customer.id or not start <= day <= end:
                continue
            group = self.ad_groups[ad["ad_group"]]
            rows.append(
                svc.GoogleAdsRow(
                    customer={"id": int(customer.id), "currency_code": customer.currency},
                    campaign={"id": int(group["campaign"])},
                    ad_group={"id": int(ad["ad_group"])},
                    ad_group_ad={"ad": {"id": int(aid)}},
                    segments={"date": day},
                    metrics=dict(m),
                )
            )
        return rows

    # ---- Mutate

    def mutate(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            self._check("Mutate", context, request.customer_id)
            with self.lock:
                return self._mutate(request)
        except _Abort as abort:
            self._abort(context, abort)
            raise AssertionError("unreachable") from None

    def _mutate(self, request: Any) -> Any:
        customer_id = request.customer_id
        self.calls[-1].update(
            operations=len(request.mutate_operations),
            partial_failure=request.partial_failure,
            validate_only=request.validate_only,
        )
        # Work on copies; commit only what succeeded (and nothing for validate_only).
        campaigns, budgets = dict(self.campaigns), dict(self.budgets)
        ad_groups, ads = dict(self.ad_groups), dict(self.ads)
        temp: dict[str, str] = {}
        failed_temps: set[str] = set()
        errors: list[Any] = []
        responses: list[Any] = []
        for index, op in enumerate(request.mutate_operations):
            try:
                responses.append(
                    self._apply(customer_id, op, campaigns, budgets, ad_groups, ads, temp, failed_temps)
                )
            except _Abort as abort:
                error = abort.failure.errors[0]
                error.location = errors_mod.ErrorLocation(
                    field_path_elements=[
                        errors_mod.ErrorLocation.FieldPathElement(field_name="mutate_operations", index=index)
                    ]
                )
                errors.append(error)
                responses.append(svc.MutateOperationResponse())
                if op.campaign_budget_operation.create.resource_name:
                    failed_temps.add(op.campaign_budget_operation.create.resource_name)
        if errors and not request.partial_failure:
            raise _Abort(
                grpc.StatusCode.INVALID_ARGUMENT, _failure(*errors), "Request contains an invalid argument."
            )
        if not request.validate_only:
            self.campaigns, self.budgets, self.ad_groups, self.ads = campaigns, budgets, ad_groups, ads
        response = svc.MutateGoogleAdsResponse()
        if not request.validate_only:
            response.mutate_operation_responses = responses
        if errors:
            failure = _failure(*errors)
            detail = any_pb2.Any(
                type_url=f"type.googleapis.com/{PREFIX}.errors.GoogleAdsFailure",
                value=errors_mod.GoogleAdsFailure.serialize(failure),
            )
            response.partial_failure_error = status_pb2.Status(
                code=3, message="Multiple errors in 'details'. First error: ...", details=[detail]
            )
        return response

    def _apply(
        self,
        customer_id: str,
        op: Any,
        campaigns: dict[str, Any],
        budgets: dict[str, Any],
        ad_groups: dict[str, Any],
        ads: dict[str, Any],
        temp: dict[str, str],
        failed_temps: set[str],
    ) -> Any:
        kind = type(op).pb(op).WhichOneof("operation")
        prefix = f"customers/{customer_id}/"
        if kind == "campaign_budget_operation":
            inner = op.campaign_budget_operation
            if "create" in inner:
                b = inner.create
                if b.amount_micros <= 0 or b.amount_micros % 10_000:
                    raise _Abort(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        _failure(
                            _error("campaign_budget_error", "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT", "amount")
                        ),
                        "",
                    )
                name = f"{prefix}campaignBudgets/{self.new_id()}"
                if b.resource_name:
                    temp[b.resource_name] = name
                budgets[name] = {"customer": customer_id, "amount_micros": b.amount_micros, "name": b.name}
                return svc.MutateOperationResponse(campaign_budget_result={"resource_name": name})
            b = inner.update
            if b.resource_name not in budgets:
                raise _Abort(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    _failure(_error("mutate_error", "RESOURCE_NOT_FOUND", "budget")),
                    "",
                )
            assert list(inner.update_mask.paths) == ["amount_micros"]
            budgets[b.resource_name] = {**budgets[b.resource_name], "amount_micros": b.amount_micros}
            return svc.MutateOperationResponse(campaign_budget_result={"resource_name": b.resource_name})
        if kind == "campaign_operation":
            inner = op.campaign_operation
            if "create" in inner:
                c = inner.create
                if c.campaign_budget in failed_temps:
                    raise _Abort(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        _failure(
                            _error("mutate_error", "RESOURCE_NOT_FOUND", "budget failed in this request")
                        ),
                        "",
                    )
                if any(x["name"] == c.name and x["customer"] == customer_id for x in campaigns.values()):
                    raise _Abort(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        _failure(
                            _error("campaign_error", "DUPLICATE_CAMPAIGN_NAME", "duplicate campaign name")
                        ),
                        "",
                    )
                budget = temp.get(c.campaign_budget, c.campaign_budget)
                cid = self.new_id()
                campaigns[cid] = {
                    "customer": customer_id,
                    "name": c.name,
                    "status": c.status.name,
                    "budget": budget,
                    "channel": c.advertising_channel_type.name,
                }
                return svc.MutateOperationResponse(
                    campaign_result={"resource_name": f"{prefix}campaigns/{cid}"}
                )
            return self._update_status(inner, campaigns, "campaign_result", customer_id)
        if kind == "ad_group_operation":
            inner = op.ad_group_operation
            if "create" in inner:
                g = inner.create
                campaign = g.campaign.rsplit("/", 1)[-1]
                if campaign not in campaigns:
                    raise _Abort(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        _failure(_error("mutate_error", "RESOURCE_NOT_FOUND", "campaign not found")),
                        "",
                    )
                gid = self.new_id()
                ad_groups[gid] = {
                    "customer": customer_id,
                    "campaign": campaign,
                    "name": g.name,
                    "status": g.status.name,
                }
                return svc.MutateOperationResponse(
                    ad_group_result={"resource_name": f"{prefix}adGroups/{gid}"}
                )
            return self._update_status(inner, ad_groups, "ad_group_result", customer_id)
        if kind == "ad_group_ad_operation":
            inner = op.ad_group_ad_operation
            if "create" in inner:
                a = inner.create
                group = a.ad_group.rsplit("/", 1)[-1]
                if group not in ad_groups:
                    raise _Abort(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        _failure(_error("mutate_error", "RESOURCE_NOT_FOUND", "ad group not found")),
                        "",
                    )
                rsa = a.ad.responsive_search_ad
                copy = " ".join(t.text for t in [*rsa.headlines, *rsa.descriptions]).casefold()
                if any(term.casefold() in copy for term in self.policy_terms):
                    raise _Abort(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        _failure(
                            _error("policy_finding_error", "POLICY_FINDING", "ad disapproved by policy")
                        ),
                        "",
                    )
                aid = self.new_id()
                ads[aid] = {
                    "customer": customer_id,
                    "ad_group": group,
                    "name": a.ad.name,
                    "status": a.status.name,
                    "headlines": [h.text for h in rsa.headlines],
                    "descriptions": [d.text for d in rsa.descriptions],
                    "final_urls": list(a.ad.final_urls),
                }
                return svc.MutateOperationResponse(
                    ad_group_ad_result={"resource_name": f"{prefix}adGroupAds/{group}~{aid}"}
                )
            return self._update_status(inner, ads, "ad_group_ad_result", customer_id)
        raise _Abort(
            grpc.StatusCode.INVALID_ARGUMENT,
            _failure(_error("mutate_error", "MUTATE_NOT_ALLOWED", f"fake does not support {kind}")),
            "",
        )

    @staticmethod
    def _update_status(inner: Any, table: dict[str, Any], result: str, customer_id: str) -> Any:
        if inner.remove:
            name = inner.remove
            status = "REMOVED"
        else:
            assert list(inner.update_mask.paths) == ["status"], inner.update_mask.paths
            name = inner.update.resource_name
            status = inner.update.status.name
        key = name.rsplit("/", 1)[-1].rsplit("~", 1)[-1]
        if key not in table or table[key]["customer"] != customer_id:
            raise _Abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                _failure(_error("mutate_error", "RESOURCE_NOT_FOUND", "not found")),
                "",
            )
        table[key] = {**table[key], "status": status}
        return svc.MutateOperationResponse(**{result: {"resource_name": name}})


# --------------------------------------------------------------------------------------------------- server


class FakeGoogleAdsServer:
    def __init__(self, fake: FakeGoogleAds, workdir: Path | None = None) -> None:
        self.fake = fake
        self._tmp = tempfile.TemporaryDirectory() if workdir is None else None
        directory = workdir or Path(self._tmp.name if self._tmp else ".")
        key, cert, self.ca_path = make_tls(directory)
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self.server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    f"{PREFIX}.services.GoogleAdsService",
                    {
                        "SearchStream": grpc.unary_stream_rpc_method_handler(
                            lambda request, context: self.fake.search_stream(request, context),
                            request_deserializer=svc.SearchGoogleAdsStreamRequest.deserialize,
                            response_serializer=svc.SearchGoogleAdsStreamResponse.serialize,
                        ),
                        "Mutate": grpc.unary_unary_rpc_method_handler(
                            lambda request, context: self.fake.mutate(request, context),
                            request_deserializer=svc.MutateGoogleAdsRequest.deserialize,
                            response_serializer=svc.MutateGoogleAdsResponse.serialize,
                        ),
                    },
                ),
                grpc.method_handlers_generic_handler(
                    f"{PREFIX}.services.CustomerService",
                    {
                        "ListAccessibleCustomers": grpc.unary_unary_rpc_method_handler(
                            lambda request, context: self.fake.list_accessible(request, context),
                            request_deserializer=customer_svc.ListAccessibleCustomersRequest.deserialize,
                            response_serializer=customer_svc.ListAccessibleCustomersResponse.serialize,
                        )
                    },
                ),
            )
        )
        credentials = grpc.ssl_server_credentials([(key, cert)])
        self.port = self.server.add_secure_port("127.0.0.1:0", credentials)
        self.endpoint = f"127.0.0.1:{self.port}"

    def start(self) -> FakeGoogleAdsServer:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop(grace=None)
        if self._tmp is not None:
            self._tmp.cleanup()


# ---------------------------------------------------------------------------------------- OAuth token endpoint


class FakeTokenEndpoint:
    """``POST /token`` (grant_type=refresh_token) on loopback HTTP, as google-auth's refresh calls it."""

    def __init__(self) -> None:
        import http.server
        import json
        import urllib.parse

        endpoint = self
        self.requests: list[dict[str, str]] = []
        self.revoked = False

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                endpoint.requests.append(form)
                ok = (
                    not endpoint.revoked
                    and form.get("grant_type") == "refresh_token"
                    and form.get("refresh_token") == REFRESH_TOKEN
                    and form.get("client_id") == CLIENT_ID
                    and form.get("client_secret") == CLIENT_SECRET
                )
                if ok:
                    status = 200
                    body = {"access_token": REFRESHED_TOKEN, "expires_in": 3599, "token_type": "Bearer"}
                else:
                    status = 400
                    body = {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    }
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeTokenEndpoint:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

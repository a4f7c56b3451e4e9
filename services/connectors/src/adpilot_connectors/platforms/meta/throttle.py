"""Meta's rate-limit signals and error taxonomy, kept free of the SDK so they are easy to test and reuse.

* Usage headers (on successes *and* errors): ``x-app-usage`` (app: call_count / total_cputime / total_time %),
  ``x-ad-account-usage`` (``acc_id_util_pct``, ``reset_time_duration`` s), ``x-business-use-case-usage``
  (per business id, a list of ``{type, call_count, total_cputime, total_time,
  estimated_time_to_regain_access (minutes)}``) and ``x-fb-ads-insights-throttle``.
* Error codes: 4 (app), 17 / 32 / 613 (account/user), 80000-80008 (business use case) are rate limits;
  1, 2, 960, subcodes 99 / 1504018 / 1504038, ``is_transient`` and HTTP 5xx are transient; 190 / 102 (token) and 10, 200-299 (permission) need the
  user to reconnect; everything else is a request the platform refused.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from adpilot_connectors.platforms.base import mentions_policy

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80009)})
TOKEN_CODES = frozenset({190, 102})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
TRANSIENT_CODES = frozenset(
    {1, 2, 960}
)  # unknown / service temporarily unavailable / batch temporarily failed
TRANSIENT_SUBCODES = frozenset({99, 1504018, 1504038})  # unknown error, insights request timeouts

Kind = Literal["rate_limit", "transient", "reconnect", "invalid"]


@dataclass(frozen=True)
class Usage:
    """The highest utilisation seen in one response's headers, and how long Meta says to stay away."""

    pct: float
    scope: str  # "app", "account" or "business"
    regain_s: float  # estimated_time_to_regain_access / reset_time_duration, 0 if none given


def _load(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _numbers(data: Mapping[str, Any], keys: Iterable[str]) -> list[float]:
    out: list[float] = []
    for key in keys:
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append(float(value))
    return out


def parse_usage(headers: Mapping[str, str] | None) -> Usage | None:
    """Max utilisation across Meta's usage headers (case-insensitive mapping, e.g. requests' headers)."""
    if not headers:
        return None
    getter = headers.get
    candidates: list[tuple[float, str]] = []
    regain_s = 0.0

    app = _load(getter("x-app-usage"))
    if isinstance(app, Mapping):
        candidates += [(v, "app") for v in _numbers(app, ("call_count", "total_cputime", "total_time"))]

    account = _load(getter("x-ad-account-usage"))
    if isinstance(account, Mapping):
        candidates += [(v, "account") for v in _numbers(account, ("acc_id_util_pct",))]
        regain_s = max([regain_s, *_numbers(account, ("reset_time_duration",))])

    business = _load(getter("x-business-use-case-usage"))
    if isinstance(business, Mapping):
        for entries in business.values():
            for entry in entries if isinstance(entries, list) else [entries]:
                if not isinstance(entry, Mapping):
                    continue
                keys = ("call_count", "total_cputime", "total_time")
                candidates += [(v, "business") for v in _numbers(entry, keys)]
                minutes = _numbers(entry, ("estimated_time_to_regain_access",))
                regain_s = max([regain_s, *(m * 60 for m in minutes)])

    insights = _load(getter("x-fb-ads-insights-throttle"))
    if isinstance(insights, Mapping):
        candidates += [(v, "app") for v in _numbers(insights, ("app_id_util_pct",))]
        candidates += [(v, "account") for v in _numbers(insights, ("acc_id_util_pct",))]

    if not candidates and not regain_s:
        return None
    pct, scope = max(candidates, default=(0.0, "app"))
    return Usage(pct=pct, scope=scope, regain_s=regain_s)


def rate_limit_scope(code: int | None) -> str:
    if code == 4:
        return "app"
    if code is not None and 80000 <= code <= 80008:
        return "business"
    return "account"


@dataclass(frozen=True)
class Failure:
    kind: Kind
    message: str
    code: int | None = None
    subcode: int | None = None
    http_status: int | None = None

    @property
    def scope(self) -> str:
        return rate_limit_scope(self.code)


def classify(
    *,
    code: int | None,
    subcode: int | None,
    http_status: int | None,
    is_transient: bool,
    message: str,
) -> Failure:
    if code in TOKEN_CODES or code in PERMISSION_CODES:
        kind: Kind = "reconnect"
    elif code in RATE_LIMIT_CODES:
        kind = "rate_limit"
    elif (
        code in TRANSIENT_CODES
        or subcode in TRANSIENT_SUBCODES
        or is_transient
        or (http_status is not None and http_status >= 500)
    ):
        kind = "transient"
    else:
        kind = "invalid"
    return Failure(kind=kind, message=message, code=code, subcode=subcode, http_status=http_status)


POLICY_CODES = frozenset({368})  # "deemed abusive or otherwise disallowed"


def is_policy_refusal(code: int | None, message: str) -> bool:
    """#368, or #100 "Invalid parameter" with a user message naming the policy."""
    return code in POLICY_CODES or mentions_policy(message)


_SECRET_PARAMS = re.compile(r"(access_token|appsecret_proof|client_secret|fb_exchange_token)=[^&\s\"']+")


def redact(text: str, *secrets: str | None) -> str:
    """Remove token-like query parameters and the given secrets from a message."""
    text = _SECRET_PARAMS.sub(r"\1=[REDACTED]", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    return text


class RedactSecretsFilter(logging.Filter):
    """urllib3 logs every request line at DEBUG, query string (and so the SDK's ``access_token``) included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecretsFilter()


def install_log_redaction() -> None:
    for name in ("urllib3.connectionpool", "urllib3", "requests"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

"""Turning what the google-ads SDK raises into the platform errors of :mod:`adpilot_connectors.platforms.base`.

The SDK raises :class:`GoogleAdsException` (with a decoded ``GoogleAdsFailure``) for most failed calls, but
its exception interceptor deliberately passes ``INTERNAL`` and ``RESOURCE_EXHAUSTED`` through as plain gRPC
errors, which the GAPIC layer then wraps in ``google.api_core`` exceptions. So the failure is also read from
the trailing metadata key ``google.ads.googleads.failure-bin`` when the SDK did not decode it.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import grpc

FAILURE_METADATA_KEY = "google.ads.googleads.failure-bin"
REQUEST_ID_METADATA_KEY = "request-id"

Kind = Literal["rate", "reconnect", "transient", "invalid"]

# Authorization errors that concern one account rather than the user's link (a cancelled account).
ACCOUNT_LEVEL_AUTHORIZATION = frozenset(
    {"CUSTOMER_NOT_ENABLED", "ACTION_NOT_PERMITTED_FOR_SUSPENDED_ACCOUNT"}
)
TRANSIENT_GRPC = frozenset(
    {
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.ABORTED,
    }
)


@dataclass(frozen=True)
class Problem:
    kind: Kind
    message: str
    retry_after_s: float | None = None


@dataclass(frozen=True)
class ErrorItem:
    """One ``GoogleAdsError``: ``"quota_error"``, ``"RESOURCE_EXHAUSTED"``, the message and operation index."""

    category: str
    code: str
    message: str
    operation_index: int | None = None
    retry_after_s: float | None = None

    def describe(self) -> str:
        return f"{self.category}.{self.code}: {self.message}"


def failure_class(version: str) -> Any:
    return importlib.import_module(f"google.ads.googleads.{version}.errors.types.errors").GoogleAdsFailure


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if hasattr(value, "total_seconds"):
        seconds = float(value.total_seconds())
    else:
        seconds = float(getattr(value, "seconds", 0)) + float(getattr(value, "nanos", 0)) / 1e9
    return seconds if seconds > 0 else None


def error_items(failure: Any) -> list[ErrorItem]:
    """Flatten a proto-plus ``GoogleAdsFailure``."""
    items = []
    for error in failure.errors:
        code_pb = type(error.error_code).pb(error.error_code)
        category = code_pb.WhichOneof("error_code") or "unknown_error"
        code_value = getattr(error.error_code, category, None)
        code = getattr(code_value, "name", None) or str(code_value)
        index = None
        for element in error.location.field_path_elements:
            if element.field_name in ("mutate_operations", "operations") and "index" in element:
                index = int(element.index)
                break
        retry = None
        if "details" in error and "quota_error_details" in error.details:
            retry = _seconds(error.details.quota_error_details.retry_delay)
        items.append(ErrorItem(category, code, str(error.message), index, retry))
    return items


def _metadata_value(metadata: Iterable[Any] | None, key: str) -> Any:
    for entry in metadata or ():
        k, v = (entry.key, entry.value) if hasattr(entry, "key") else entry
        if k == key:
            return v
    return None


def failure_from_metadata(metadata: Iterable[Any] | None, version: str) -> Any:
    raw = _metadata_value(metadata, FAILURE_METADATA_KEY)
    if not raw:
        return None
    try:
        return failure_class(version).deserialize(bytes(raw))
    except Exception:
        return None


def failure_from_status(status: Any, version: str) -> Any:
    """The ``GoogleAdsFailure`` packed in a ``google.rpc.Status`` (``partial_failure_error``)."""
    cls = failure_class(version)
    for detail in getattr(status, "details", ()):
        if detail.type_url.endswith(".GoogleAdsFailure"):
            return cls.deserialize(detail.value)
    return None


def _rpc_parts(exc: BaseException) -> tuple[grpc.StatusCode | None, Any]:
    """The gRPC status code and trailing metadata behind an SDK / api_core / grpc exception."""
    candidates: list[Any] = [exc, getattr(exc, "response", None), getattr(exc, "error", None)]
    candidates.extend(getattr(exc, "errors", None) or ())
    code = None
    metadata = None
    for candidate in candidates:
        if candidate is None:
            continue
        if code is None:
            grpc_code = getattr(candidate, "grpc_status_code", None)
            if isinstance(grpc_code, grpc.StatusCode):
                code = grpc_code
            elif callable(getattr(candidate, "code", None)):
                try:
                    value = candidate.code()
                except Exception:
                    value = None
                if isinstance(value, grpc.StatusCode):
                    code = value
        if metadata is None and callable(getattr(candidate, "trailing_metadata", None)):
            try:
                value = candidate.trailing_metadata()
            except Exception:
                value = None
            if value is not None and not asyncio.iscoroutine(value):
                metadata = value
    return code, metadata


def classify_items(items: Sequence[ErrorItem]) -> Kind:
    categories = {(i.category, i.code) for i in items}
    if any(c == "quota_error" for c, _ in categories):
        return "rate"
    if any(c == "authentication_error" for c, _ in categories):
        return "reconnect"
    if any(c == "authorization_error" and code not in ACCOUNT_LEVEL_AUTHORIZATION for c, code in categories):
        return "reconnect"
    if items and all(c == "internal_error" for c, _ in categories):
        return "transient"
    return "invalid"


def classify(exc: BaseException, version: str) -> Problem:
    """Map any exception from an SDK call to a :class:`Problem` (raw messages; the caller scrubs them)."""
    from google.ads.googleads.errors import GoogleAdsException
    from google.auth import exceptions as auth_exceptions

    if isinstance(exc, auth_exceptions.RefreshError):
        return Problem(
            "reconnect", f"the OAuth refresh failed ({type(exc).__name__}); link the account again"
        )
    if isinstance(exc, auth_exceptions.TransportError):
        return Problem("transient", "the OAuth token endpoint could not be reached")
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return Problem("transient", "timed out")

    code, metadata = _rpc_parts(exc)
    failure = exc.failure if isinstance(exc, GoogleAdsException) else failure_from_metadata(metadata, version)
    request_id = getattr(exc, "request_id", None) or _metadata_value(metadata, REQUEST_ID_METADATA_KEY)
    suffix = f" (request_id {request_id})" if request_id else ""
    if failure is not None and len(failure.errors):
        items = error_items(failure)
        kind = classify_items(items)
        text = "; ".join(i.describe() for i in items[:5]) + suffix
        retry = max((i.retry_after_s for i in items if i.retry_after_s), default=None)
        return Problem(kind, text, retry if kind == "rate" else None)

    name = code.name if code is not None else type(exc).__name__
    details = ""
    candidates: tuple[Any, ...] = (exc, getattr(exc, "response", None))
    for candidate in candidates:
        if candidate is not None and callable(getattr(candidate, "details", None)):
            try:
                details = str(candidate.details() or "")
            except Exception:
                details = ""
            if details:
                break
    if not details:
        details = str(getattr(exc, "message", "") or "")
    text = f"gRPC {name}: {details}{suffix}" if details else f"gRPC {name}{suffix}"
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return Problem("rate", text)
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        return Problem("reconnect", text)
    if code is None or code in TRANSIENT_GRPC:
        return Problem("transient", text)
    return Problem("invalid", text)

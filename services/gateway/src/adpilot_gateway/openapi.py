"""``GET /api/openapi.json``: one OpenAPI document of the public API, merged from every service's own.

Each service publishes its paths under ``/api/<service>/…`` already, so paths never collide; only their
``/healthz``, ``/readyz`` and ``/metrics`` (not public API) are left out. Two services may name different
schemas alike (``Problem``, ``Page``...): a schema whose name is taken by a different definition is renamed
``<Service><Name>`` and that service's references follow. The errors the gateway itself answers for every
operation (token check, body limit, rate limits, a stopped or slow service) are added to each one. The TypeScript
client is generated from this file."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from adpilot_common.logging import get_logger
from adpilot_common.openapi import METHODS, PROBLEM_SCHEMA, PROBLEM_SCHEMA_NAME, problem_response

log = get_logger(__name__)

CACHE_S = 60.0
# Errors the gateway answers before (or instead of) the service, for any operation; 413 only where a body goes.
GATEWAY_ERRORS: dict[str, str] = {
    "401": "The access token is forged, expired or revoked (checked at the gateway)",
    "429": "Rate limited (per user, per IP, sign-in per IP); see Retry-After",
    "502": "The service broke off its answer",
    "503": "The service is not running; see Retry-After",
    "504": "The service did not answer in time",
}
CROSS_SITE_WRITE = "A browser's cross-site write refused (Origin / Sec-Fetch-Site)"
FETCH_TIMEOUT_S = 3.0


def merge(documents: dict[str, dict[str, Any]], version: str = "0.1.0") -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    security: dict[str, Any] = {}
    for service, document in sorted(documents.items()):
        renames: dict[str, str] = {}
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            if name in schemas and schemas[name] != schema:
                renames[name] = _pascal(service) + name
        text = json.dumps(document)
        for old, new in renames.items():
            text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
        renamed: dict[str, Any] = json.loads(text)
        for name, schema in renamed.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        security.update(renamed.get("components", {}).get("securitySchemes", {}))
        for path, item in renamed.get("paths", {}).items():
            if path.startswith("/api/"):
                paths[path] = _with_gateway_errors(item)
    schemas[PROBLEM_SCHEMA_NAME] = PROBLEM_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {"title": "AdPilot API", "version": version},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": security},
    }


def _with_gateway_errors(item: dict[str, Any]) -> dict[str, Any]:
    for method in METHODS:
        operation = item.get(method)
        if not isinstance(operation, dict):
            continue
        responses: dict[str, Any] = operation.setdefault("responses", {})
        for status, description in GATEWAY_ERRORS.items():
            responses.setdefault(status, problem_response(description))
        if method != "get":
            responses.setdefault("403", problem_response(CROSS_SITE_WRITE))
        if "requestBody" in operation:
            responses.setdefault("413", problem_response("The request body is over the gateway's limit"))
    return item


def _pascal(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("_", "-").split("-"))


def build_openapi_router(client: httpx.AsyncClient, upstreams: dict[str, str]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    cached: dict[str, Any] = {"at": 0.0, "document": None}

    async def fetch(service: str, base: str) -> tuple[str, dict[str, Any] | None]:
        try:
            response = await client.get(f"{base}/openapi.json", timeout=FETCH_TIMEOUT_S)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return service, document
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("openapi of a service unavailable", service=service, error=repr(exc))
            return service, None

    @router.get("/api/openapi.json")
    async def openapi() -> JSONResponse:
        if cached["document"] is None or time.monotonic() - cached["at"] > CACHE_S:
            found = await asyncio.gather(*(fetch(s, base) for s, base in upstreams.items()))
            documents = {s: d for s, d in found if d is not None}
            merged = merge(documents)
            missing = sorted(s for s, d in found if d is None)
            if missing:
                merged["x-missing-services"] = missing  # served, but not cached: ask again soon
            else:
                cached.update(at=time.monotonic(), document=merged)
            return JSONResponse(merged)
        return JSONResponse(cached["document"])

    return router

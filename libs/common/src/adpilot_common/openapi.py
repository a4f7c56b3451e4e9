"""The error answers every service gives, written into its OpenAPI document.

:mod:`adpilot_common.problems` turns every error into RFC 9457 problem+json, but FastAPI documents only what a
route declares (and its 422 as ``HTTPValidationError``, a shape no service sends). This post-processing makes
the document say what the services really answer, so clients and contract tests (schemathesis) can rely on it:
every 4xx/5xx body is a ``ProblemDetails`` in ``application/problem+json``, and each operation lists the errors
the shared machinery can produce for it (400 malformed body, 401/403 token and role checks, 404 unknown ids).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from adpilot_common.problems import PROBLEM_JSON

PROBLEM_SCHEMA_NAME = "ProblemDetails"
PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM_SCHEMA_NAME,
    "description": "RFC 9457 problem details; validation failures add an `errors` list.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "description": "What failed: validation errors, or rule messages"},
    },
    "required": ["type", "title", "status"],
}
METHODS = ("get", "put", "post", "delete", "patch")
UNUSED_SCHEMAS = ("HTTPValidationError", "ValidationError")

# Status -> description of the errors the shared machinery answers, and when an operation can get each.
_BAD_BODY = "Malformed request body (not JSON, or not decodable)"
_UNAUTHORIZED = "Missing, invalid or expired access token"
_FORBIDDEN = "The token's role or organisation does not allow this"
_NOT_FOUND = "No such resource in the caller's organisation"


def problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": dict(PROBLEM_REF)}}}


def _references_ids(operation: dict[str, Any], path: str) -> bool:
    if "{" in path:
        return True
    return any(str(p.get("name", "")).endswith("_id") for p in operation.get("parameters", []))


def _referenced(document: dict[str, Any], name: str, *, besides: str) -> bool:
    ref = json.dumps(f"#/components/schemas/{name}")
    schemas = document.get("components", {}).get("schemas", {})
    others = [schema for key, schema in schemas.items() if key != besides]
    return ref in json.dumps([document.get("paths", {}), others])


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` whose operations document their problem+json errors (see the module doc)."""
    result = copy.deepcopy(document)
    for path, item in result.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if "requestBody" in operation:
                responses.setdefault("400", problem_response(_BAD_BODY))
            if operation.get("security"):
                responses.setdefault("401", problem_response(_UNAUTHORIZED))
                responses.setdefault("403", problem_response(_FORBIDDEN))
            if _references_ids(operation, path):
                responses.setdefault("404", problem_response(_NOT_FOUND))
            for status, response in responses.items():
                if status[:1] in ("4", "5") and isinstance(response, dict):
                    response["content"] = {PROBLEM_JSON: {"schema": dict(PROBLEM_REF)}}
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI's 422 shapes, unused once replaced (ValidationError is checked after its parent is gone).
    for name in UNUSED_SCHEMAS:
        if not _referenced(result, name, besides=name):
            schemas.pop(name, None)
    schemas[PROBLEM_SCHEMA_NAME] = PROBLEM_SCHEMA
    return result


def install_error_docs(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the document with its errors documented (computed once, then cached)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

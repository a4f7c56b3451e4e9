"""RFC 9457 problem details for every error a service returns."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from adpilot_common.logging import get_logger

PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)


class Problem(Exception):
    """Raise from anywhere in a request to answer with a problem+json body."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.type = type_
        self.headers = headers
        self.extensions = extensions


def problem_response(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title or HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def internal_error_text(exc: BaseException, what: str) -> str:
    """What an API field or event may say about our own failure. The exception's text stays in the logs: a
    database error quotes the SQL with its parameters, which clients and other services have no business seeing."""
    return f"Internal error ({type(exc).__name__}): {what}. The details are in the service's logs."


def is_unavailable(exc: BaseException) -> bool:
    """The database (or another backing service) is unreachable: the request may succeed when retried."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | OSError | TimeoutError)


# PostgreSQL's "character not in repertoire" (a NUL in text) and "untranslatable character" (a \u0000 in JSONB).
_UNSTORABLE_SQLSTATES = frozenset({"22021", "22P05"})
# "invalid text representation": for JSON/JSONB parameters, an unpaired surrogate that a JSON serialiser wrote
# as an escape (``\udfff``), which PostgreSQL refuses ("Unicode low surrogate must follow a high surrogate").
# The state alone also covers a malformed uuid or number, which is not the client's text: the message decides.
# Only JSON encoded outside the shared engine gets here (its ``json_for_postgres`` never escapes, so the driver
# refuses the surrogate first, in any server locale); this English-message check is the fallback for that.
_INVALID_TEXT_SQLSTATE = "22P02"


def _refused_surrogate(exc: BaseException) -> bool:
    if getattr(exc, "sqlstate", None) != _INVALID_TEXT_SQLSTATE:
        return False
    return "surrogate" in f"{exc} {getattr(exc, 'detail', None) or ''}".lower()


def unstorable_text(exc: BaseException) -> bool:
    """Whether ``exc`` is the database (or its driver) refusing text a client sent: a NUL character, which
    PostgreSQL text and JSONB cannot hold, or an unpaired surrogate, which UTF-8 cannot encode (in text) and
    PostgreSQL's JSON parser refuses (in JSON/JSONB, where it arrives as an escape). Any text field
    can carry them past validation, so they are answered here, once for every service, with a 422, not a 500."""
    seen: BaseException | None = exc
    for _ in range(5):  # SQLAlchemy wraps the driver's error, which wraps asyncpg's: look down the chain
        if seen is None:
            return False
        if isinstance(seen, UnicodeEncodeError) and seen.reason == "surrogates not allowed":
            return True
        if getattr(seen, "sqlstate", None) in _UNSTORABLE_SQLSTATES or _refused_surrogate(seen):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            type_=exc.type,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extensions,
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code, detail=detail, instance=request.url.path, headers=getattr(exc, "headers", None)
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return problem_response(
            422,
            "Validation failed",
            "The request has invalid fields.",
            instance=request.url.path,
            errors=errors,
        )

    async def on_unhandled(request: Request, exc: Exception) -> JSONResponse:
        if unstorable_text(exc):
            log.warning("unstorable text refused", path=request.url.path, error=type(exc).__name__)
            return problem_response(
                422,
                "Unstorable text",
                "Text may not contain NUL characters or unpaired surrogates.",
                instance=request.url.path,
            )
        if is_unavailable(exc):  # e.g. PostgreSQL down: answer at once and say when to retry, not 500
            log.warning("backing service unavailable", path=request.url.path, error=repr(exc))
            return problem_response(
                503,
                detail="A backing service is unavailable; try again shortly.",
                instance=request.url.path,
                headers={"Retry-After": "5"},
            )
        log.exception("unhandled error", path=request.url.path)
        return problem_response(500, detail="An unexpected error occurred.", instance=request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    # Database and text-encoding errors (unstorable text: 422, the database away: 503) get the handler by
    # their own classes too. A handler registered for ``Exception`` runs in Starlette's outermost middleware,
    # which re-raises after answering, and uvicorn then closes the keep-alive connection: the gateway's next
    # request on it failed with 502 (seen in CI). Handlers for these classes answer and stop.
    for expected in (StatementError, UnicodeEncodeError):
        app.add_exception_handler(expected, on_unhandled)
    app.add_exception_handler(Exception, on_unhandled)

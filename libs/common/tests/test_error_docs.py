"""Every service documents the problem+json errors it really answers, and text the database cannot store is a
422, not a 500 (the abuse suite, ``make abuse``, checks both end to end through the gateway)."""

from __future__ import annotations

import uuid
from typing import Annotated

import httpx
from fastapi import FastAPI, Header
from pydantic import BaseModel

from adpilot_common.openapi import PROBLEM_SCHEMA_NAME, install_error_docs
from adpilot_common.problems import PROBLEM_JSON, install_problem_handlers, unstorable_text


class Item(BaseModel):
    name: str


def app_with_routes() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_error_docs(app)

    @app.get("/api/x/items")
    async def listing() -> list[Item]:
        return []

    @app.patch("/api/x/items/{item_id}", openapi_extra={"security": [{"accessToken": []}]})
    async def edit(item_id: uuid.UUID, body: Item) -> Item:
        return body

    @app.post("/api/x/nul")
    async def nul(authorization: Annotated[str | None, Header()] = None) -> Item:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    return app


def test_errors_are_documented_as_problems() -> None:
    document = app_with_routes().openapi()
    edit = document["paths"]["/api/x/items/{item_id}"]["patch"]["responses"]
    assert {"400", "401", "403", "404", "422"} <= set(edit)
    for status in ("400", "401", "403", "404", "422"):
        schema = edit[status]["content"][PROBLEM_JSON]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}
    listing = document["paths"]["/api/x/items"]["get"]["responses"]
    assert set(listing) == {"200"}  # no body, no token, no id: nothing the shared machinery would refuse
    schemas = document["components"]["schemas"]
    assert PROBLEM_SCHEMA_NAME in schemas
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas


async def test_unstorable_text_is_a_422_problem() -> None:
    transport = httpx.ASGITransport(app_with_routes(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.post("/api/x/nul")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Unstorable text"


class DriverError(Exception):
    sqlstate = "22021"  # PostgreSQL: character not in repertoire (a NUL in text)


class Wrapped(Exception):
    def __init__(self, orig: BaseException) -> None:
        super().__init__("wrapped")
        self.orig = orig  # as sqlalchemy.exc.DBAPIError keeps the driver's error


def test_unstorable_text_is_recognised_through_wrappers() -> None:
    assert unstorable_text(Wrapped(DriverError()))
    assert unstorable_text(UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"))
    assert not unstorable_text(ValueError("something else"))
    assert not unstorable_text(Wrapped(ValueError("a different database error")))


class InvalidText(Exception):
    sqlstate = "22P02"  # PostgreSQL: invalid text representation

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail  # as asyncpg keeps the server's DETAIL


def test_a_surrogate_escape_in_json_is_unstorable_text_but_a_bad_uuid_is_not() -> None:
    refused = InvalidText(
        "invalid input syntax for type json", "Unicode low surrogate must follow a high surrogate."
    )
    assert unstorable_text(Wrapped(refused))
    assert not unstorable_text(Wrapped(InvalidText('invalid input syntax for type uuid: "x"')))

"""No endpoint answers 500 to a malformed request; every refusal is problem+json (walks the OpenAPI document)."""

from __future__ import annotations

import uuid

from .conftest import AuthApp, signed_in

MALFORMED_BODIES: list[bytes] = [
    b"",
    b"not json",
    b"{",
    b"null",
    b"[]",
    b"42",
    b'{"email": 5, "password": [], "token": {}, "code": null, "name": true, "role": "emperor"}',
    b'{"email": "' + b"a" * 5000 + b'@example.com", "password": "' + b"x" * 5000 + b'"}',
    '{"name": "\u0000\ud800", "token": "\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e"}'.encode(
        "utf-8", "surrogatepass"
    ),
    b'{"mfa_token": "' + b"A" * 400 + b'", "code": "123456"}',
]
PATH_VALUES = {
    "org_id": "not-a-uuid",
    "user_id": "'; DROP TABLE users; --",
    "session_id": "0" * 300,
    "invitation_id": str(uuid.uuid4()),
}


async def test_no_endpoint_answers_500_to_malformed_input(auth_app: AuthApp):
    headers = await signed_in(auth_app, "ada@example.com")
    spec = (await auth_app.client.get("/openapi.json")).json()
    checked = 0
    for path, operations in spec["paths"].items():
        url = path
        for name, value in PATH_VALUES.items():
            url = url.replace("{" + name + "}", value)
        for method in operations:
            if method not in {"post", "put", "patch", "delete", "get"}:
                continue
            for auth in ({}, headers):
                bodies = MALFORMED_BODIES if method in {"post", "put", "patch"} else [b""]
                for body in bodies:
                    response = await auth_app.client.request(
                        method.upper(),
                        url,
                        content=body,
                        headers={**auth, "Content-Type": "application/json", "X-CSRF-Token": "x"},
                        params={
                            "limit": "-1",
                            "cursor": "abc",
                            "since": "yesterday",
                            "next": "//evil.example",
                        },
                    )
                    checked += 1
                    assert response.status_code < 500, (method, url, body[:60], response.text)
                    if response.status_code >= 400:
                        assert response.headers["content-type"] == "application/problem+json", (method, url)
    assert checked > 200

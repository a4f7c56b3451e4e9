import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, SecretStr, ValidationError

from adpilot_common.problems import Problem, install_problem_handlers
from adpilot_common.settings import (
    DEV_SECRET_MARKER,
    BaseServiceSettings,
    service_config,
)


class DemoSettings(BaseServiceSettings):
    model_config = service_config("DEMO_")
    signing_key: SecretStr = SecretStr(f"{DEV_SECRET_MARKER}-signing-key")


def test_env_prefix_is_per_service(monkeypatch):
    monkeypatch.setenv("DEMO_HTTP_PORT", "9123")
    monkeypatch.setenv("OTHER_HTTP_PORT", "1")
    monkeypatch.setenv("DEMO_CONSUMER_RETRY_DELAYS_S", "[0.5, 2]")
    settings = DemoSettings()
    assert settings.http_port == 9123
    assert settings.consumer_retry_delays_s == [0.5, 2.0]


def test_default_secrets_are_refused_outside_development(monkeypatch):
    monkeypatch.setenv("DEMO_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="DEMO_SIGNING_KEY still hold development defaults"):
        DemoSettings()
    monkeypatch.setenv("DEMO_SIGNING_KEY", "a-real-key-from-the-secret-store")
    assert DemoSettings().signing_key.get_secret_value() == "a-real-key-from-the-secret-store"


def test_default_secrets_are_fine_in_development():
    assert (
        DemoSettings(environment="development").signing_key.get_secret_value().startswith(DEV_SECRET_MARKER)
    )


class Body(BaseModel):
    count: int


def problem_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/teapot")
    async def teapot() -> None:
        raise Problem(418, detail="short and stout", type_="https://adpilot.dev/problems/teapot", hint="tip")

    @app.post("/body")
    async def body(payload: Body) -> Body:
        return payload

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return app


async def test_errors_are_rfc9457_problem_json():
    transport = httpx.ASGITransport(problem_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        teapot = await client.get("/teapot")
        assert teapot.status_code == 418
        assert teapot.headers["content-type"] == "application/problem+json"
        assert teapot.json() == {
            "type": "https://adpilot.dev/problems/teapot",
            "title": "I'm a Teapot",
            "status": 418,
            "detail": "short and stout",
            "instance": "/teapot",
            "hint": "tip",
        }

        invalid = await client.post("/body", json={"count": "many"})
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["loc"] == ["body", "count"]

        missing = await client.get("/nowhere")
        assert missing.status_code == 404 and missing.json()["title"] == "Not Found"

        boom = await client.get("/boom")
        assert boom.status_code == 500
        assert "secret internals" not in boom.text and boom.json()["status"] == 500

"""The committed ``web/openapi.json`` (the typed SPA client's source) is what the services document today, and
it is the document the running gateway serves."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from adpilot_common.devstack.ports import free_port
from adpilot_common.testing.plugin import running
from adpilot_common.testing.servers import serve_asgi
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_gateway import openapi_export
from adpilot_gateway.config import Settings
from adpilot_gateway.main import create_app


@pytest.fixture(scope="module")
def exported() -> str:
    return openapi_export.render(openapi_export.export_document())


def test_the_committed_document_is_up_to_date(exported: str) -> None:
    committed = openapi_export.DEFAULT_OUTPUT.read_text(encoding="utf-8")
    assert committed == exported, openapi_export.stale_message(openapi_export.DEFAULT_OUTPUT)


def test_the_export_is_deterministic_and_covers_every_service(exported: str) -> None:
    assert exported.endswith("}\n") and exported == openapi_export.render(json.loads(exported))
    paths = json.loads(exported)["paths"]
    for service in openapi_export.SERVICE_MODULES:
        assert any(p.startswith(f"/api/{service}/") for p in paths), service
    assert not any(p.endswith(("/healthz", "/readyz", "/metrics")) for p in paths)


def test_check_says_how_to_fix_a_stale_file(
    exported: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(openapi_export, "export_document", lambda: json.loads(exported))
    target = tmp_path / "openapi.json"
    target.write_text(exported.replace('"AdPilot API"', '"Old API"'), encoding="utf-8")

    assert openapi_export.main(["--check", "--output", str(target)]) == 1
    assert "make api-client" in capsys.readouterr().err

    assert openapi_export.main(["--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == exported
    assert openapi_export.main(["--check", "--output", str(target)]) == 0


@pytest.fixture
async def services() -> AsyncIterator[dict[str, str]]:
    """Every service's app, built like the export builds it and served on loopback without its lifespan: only
    ``/openapi.json`` is asked for, which needs no database or NATS."""
    urls: dict[str, str] = {}
    async with AsyncExitStack() as stack:
        for service, module in openapi_export.SERVICE_MODULES.items():
            app = openapi_export.build_app(module)
            port = free_port()
            await stack.enter_async_context(serve_asgi(app, port, what=f"{service} (not started)"))
            urls[service] = f"http://127.0.0.1:{port}"
        yield urls


async def test_the_gateway_serves_the_exported_document(
    exported: str, services: dict[str, str], service_env: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    settings = Settings(
        **service_env(),
        spa_dir=tmp_path,
        **{f"{service.replace('-', '_')}_url": url for service, url in services.items()},
    )
    app = create_app(settings, jwks=TestTokenIssuer().jwks_cache())
    async with running(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as client:
            response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    live = response.json()
    assert "x-missing-services" not in live
    assert sorted(live["paths"]) == sorted(json.loads(exported)["paths"])
    assert live == json.loads(exported)

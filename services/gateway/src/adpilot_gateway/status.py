"""``GET /api/status``: readiness of every service behind the gateway, checked concurrently."""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import APIRouter
from pydantic import BaseModel


class ServiceStatus(BaseModel):
    name: str
    status: str  # ready | not_ready | unreachable
    checks: dict[str, str] = {}
    latency_ms: float | None = None
    error: str | None = None


class SystemStatus(BaseModel):
    gateway: str = "ok"
    services: list[ServiceStatus]


async def probe(client: httpx.AsyncClient, name: str, base_url: str) -> ServiceStatus:
    started = time.perf_counter()
    try:
        response = await client.get(f"{base_url}/readyz", timeout=3.0)
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return ServiceStatus(name=name, status="unreachable", error=type(exc).__name__)
    return ServiceStatus(
        name=name,
        status="ready" if response.status_code == 200 else "not_ready",
        checks=body.get("checks", {}),
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def build_status_router(client: httpx.AsyncClient, upstreams: dict[str, str]) -> APIRouter:
    router = APIRouter(tags=["ops"])

    @router.get("/api/status", response_model=SystemStatus, summary="Readiness of every service")
    async def system_status() -> SystemStatus:
        results = await asyncio.gather(*(probe(client, n, u) for n, u in upstreams.items()))
        return SystemStatus(services=list(results))

    return router

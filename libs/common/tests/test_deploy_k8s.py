"""Kubernetes: the kustomize base and the dev/prod overlays under ``deploy/k8s``.

Rendered with the built-in renderer of ``deploy_helpers`` (cross-checked against ``kubectl kustomize``
when a binary is present), checked against the facts the services rely on, and validated against the
Kubernetes OpenAPI schemas shipped in the ``kubernetes-validate`` package (offline, strict).
"""

from __future__ import annotations

import copy
import functools
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .deploy_helpers import (
    APP_UID,
    BASE,
    CLUSTER_SCOPED,
    DB_SERVICES,
    GATEWAY_UPSTREAMS,
    GRACE_MARGIN_S,
    NAMESPACE,
    NATS_DIR,
    OVERLAYS,
    SERVICES,
    SHUTDOWN_BUDGET_S,
    Doc,
    Svc,
    by_kind,
    containers,
    find,
    kustomization_dirs,
    load_docs,
    rel,
    render,
    selector_matches,
)


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
    cs = deploy["spec"]["template"]["spec"]["containers"]
    assert len(cs) == 1, f"{svc.name}: expected a single container"
    return dict(cs[0])


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
    assert uid == APP_UID, "runAsNonRoot needs the image's numeric non-root UID"
    seccomp = c_sc.get("seccompProfile", pod_sc.get("seccompProfile"))
    assert seccomp == {"type": "RuntimeDefault"}, f"{svc.name}: seccomp profile {seccomp}"
    assert c["image"] == f"adpilot/{svc.name}", "base image name: the overlays map adpilot/<service>"
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


@pytest.mark.parametrize("svc", SERVICES.values(), ids=lambda s: s.name)
def test_base_service_config(base: list[Doc], svc: Svc) -> None:
    data = find(base, "ConfigMap", f"{svc.name}-config")["data"]
    for key in data:
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
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert c["securityContext"]["readOnlyRootFilesystem"] is True
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert "/tmp" in {m["mountPath"] for m in c["volumeMounts"]}


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
    # Traces go to the collector the ConfigMap names, in the observability namespace.
    assert [peer["namespaceSelector"]["matchLabels"] for peer in allowed[4318]] == [
        {"kubernetes.io/metadata.name": "observability"}
    ]
    config = find(base, "ConfigMap", f"{svc.name}-config")["data"]
    endpoint = config[f"{svc.prefix}OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert endpoint.endswith(".observability.svc.cluster.local:4318"), endpoint


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
    dev, prod = overlays["dev"], overlays["prod"]
    for svc in SERVICES.values():
        d_hpa = find(dev, "HorizontalPodAutoscaler", svc.name)["spec"]
        p_hpa = find(prod, "HorizontalPodAutoscaler", svc.name)["spec"]
        assert p_hpa["minReplicas"] > d_hpa["minReplicas"], f"{svc.name}: prod needs more replicas"
        assert p_hpa["minReplicas"] >= 2, "prod must survive losing a pod"
        assert p_hpa["maxReplicas"] >= p_hpa["minReplicas"]

        assert (
            find(prod, "ConfigMap", f"{svc.name}-config")["data"][f"{svc.prefix}ENVIRONMENT"] == "production"
        )
        assert find(dev, "ConfigMap", f"{svc.name}-config")["data"][f"{svc.prefix}LOG_LEVEL"] == "DEBUG"

        (c,) = find(prod, "Deployment", svc.name)["spec"]["template"]["spec"]["containers"]
        res = c["resources"]
        assert "cpu" in res["limits"], f"{svc.name}: prod needs a CPU limit"
        assert _mem_bytes(res["limits"]["memory"]) == _mem_bytes(res["requests"]["memory"]), (
            f"{svc.name}: prod memory request must equal the limit"
        )
        image = c["image"]
        assert ":" in image.rsplit("/", 1)[-1] or "@sha256:" in image, f"unpinned image {image}"
        assert not image.endswith(":latest"), "prod image must be pinned"

    cookie = find(prod, "ConfigMap", "gateway-config")["data"]["GATEWAY_SESSION_COOKIE_NAME"]
    assert cookie.startswith("__Host-")
    hosts = {env: _ingress_host(docs) for env, docs in overlays.items()}
    assert hosts["dev"] != hosts["prod"]


def _ingress_host(docs: list[Doc]) -> str:
    ingress = find(docs, "Ingress", "gateway")["spec"]
    (host,) = {r["host"] for r in ingress["rules"]}
    assert [host] == [h for t in ingress["tls"] for h in t["hosts"]], "TLS certificate for another host"
    return str(host)


@pytest.mark.parametrize("env", OVERLAYS)
def test_overlay_public_origin_matches_ingress_host(overlays: dict[str, list[Doc]], env: str) -> None:
    """Refresh, sign-out and the live-events WebSocket are refused from any origin but the configured
    one, and OAuth/notification links are built from the public base URL: all must name the Ingress host."""
    docs = overlays[env]
    origin = f"https://{_ingress_host(docs)}"
    assert find(docs, "ConfigMap", "auth-config")["data"]["AUTH_ALLOWED_ORIGINS"] == f'["{origin}"]'
    assert find(docs, "ConfigMap", "gateway-config")["data"]["GATEWAY_ALLOWED_ORIGINS"] == f'["{origin}"]'
    assert find(docs, "ConfigMap", "notify-config")["data"]["NOTIFY_PUBLIC_BASE_URL"] == origin


@pytest.mark.parametrize("env", OVERLAYS)
def test_overlay_images_one_per_service(overlays: dict[str, list[Doc]], env: str) -> None:
    """Every workload runs its own service's image (deploy/docker/<service>.Dockerfile), the
    migration Job the same image as its Deployment, and no placeholder name survives the overlay."""
    docs = overlays[env]
    for svc in SERVICES.values():
        (c,) = find(docs, "Deployment", svc.name)["spec"]["template"]["spec"]["containers"]
        repository = c["image"].rsplit(":", 1)[0].split("@")[0]
        assert repository.endswith(f"/{svc.name}") and "." in repository.split("/")[0], (
            f"{env}: {svc.name} runs {c['image']}, not a registry image of its own"
        )
        if svc.database:
            (job_c,) = find(docs, "Job", f"migrate-{svc.name}")["spec"]["template"]["spec"]["containers"]
            assert job_c["image"] == c["image"]
    kust = load_docs(OVERLAYS[env] / "kustomization.yaml")[0]
    assert sorted(i["name"] for i in kust["images"]) == sorted(f"adpilot/{s}" for s in SERVICES)


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
        for c in containers(d):
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
    for doc in yaml.safe_load_all(proc.stdout):
        if doc:
            _validate(doc, K8S_VERSIONS[0])  # what kubectl apply would get, hash suffixes included
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
# Kubernetes schemas (kubernetes-validate ships them: offline, strict = no unknown fields)
# ---------------------------------------------------------------------------

# The oldest Kubernetes minor we support and the newest the package knows.
K8S_VERSIONS = ("1.30.0", kubernetes_validate.utils.latest_version())


@pytest.fixture(scope="module", autouse=True)
def _schemas_read_once() -> Iterator[None]:
    """kubernetes-validate re-reads (and re-parses) its schema files for every document: cache them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            kubernetes_validate.utils,
            "schema_contents",
            functools.cache(kubernetes_validate.utils.schema_contents),
        )
        yield


def _builtin_api(api_version: str) -> bool:
    """core (v1), apps/v1, batch/v1, ... and *.k8s.io groups; custom resources have their own groups."""
    group = api_version.rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def _validate(doc: Doc, version: str) -> None:
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        # A custom resource (e.g. a Prometheus Operator object) has no schema in the package.
        assert not _builtin_api(doc["apiVersion"]), (
            f"no schema for built-in {doc['apiVersion']} {doc['kind']}"
        )
    except kubernetes_validate.ValidationError as e:
        where = "/".join(str(p) for p in e.path)
        raise AssertionError(f"{doc['kind']}/{doc['metadata']['name']} at {where}: {e.message}") from None


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("kdir", [BASE, *OVERLAYS.values()], ids=rel)
def test_rendered_manifests_match_kubernetes_schemas(kdir: Path, version: str) -> None:
    docs = render(kdir)
    assert docs
    for doc in docs:
        _validate(doc, version)


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_nats_network_policy_matches_kubernetes_schema(version: str) -> None:
    for doc in load_docs(NATS_DIR / "networkpolicy.yaml"):
        _validate(doc, version)


def test_schema_validation_rejects_what_kubernetes_would(base: list[Doc]) -> None:
    """The validator is strict: a misspelt field or a wrong type fails instead of being ignored."""
    deploy = copy.deepcopy(find(base, "Deployment", "auth"))
    deploy["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFS"] = True
    with pytest.raises(AssertionError, match="readOnlyRootFS"):
        _validate(deploy, K8S_VERSIONS[0])
    hpa = copy.deepcopy(find(base, "HorizontalPodAutoscaler", "auth"))
    hpa["spec"]["minReplicas"] = "two"
    with pytest.raises(AssertionError, match="minReplicas"):
        _validate(hpa, K8S_VERSIONS[0])
    unknown = copy.deepcopy(hpa) | {"apiVersion": "autoscaling/v9"}
    with pytest.raises(AssertionError, match="no schema for built-in"):
        _validate(unknown, K8S_VERSIONS[0])
    assert _builtin_api("v1") and _builtin_api("networking.k8s.io/v1") and _builtin_api("apps/v1")
    assert not _builtin_api("monitoring.coreos.com/v1") and not _builtin_api("jetstream.nats.io/v1beta2")


def _role(deploy: Doc) -> str | None:
    (c,) = deploy["spec"]["template"]["spec"]["containers"]
    return next((e["value"] for e in c.get("env", []) if e["name"] == "METRICS_ROLE"), None)


def test_prod_runs_metrics_api_and_workers_apart(base: list[Doc], overlays: dict[str, list[Doc]]) -> None:
    """prod: the metrics Deployment answers the API (METRICS_ROLE=api) behind the Service; metrics-worker pods
    of the same image ingest (METRICS_ROLE=worker), reachable by nobody but Prometheus, yet able to reach NATS,
    PostgreSQL, DNS and the collector. dev keeps one Deployment doing both."""
    prod = overlays["prod"]
    api, worker = find(prod, "Deployment", "metrics"), find(prod, "Deployment", "metrics-worker")
    assert (_role(api), _role(worker)) == ("api", "worker")
    assert _role(find(overlays["dev"], "Deployment", "metrics")) is None
    assert not [
        d for d in by_kind(overlays["dev"], "Deployment") if d["metadata"]["name"] == "metrics-worker"
    ]

    (api_c,), (worker_c,) = (d["spec"]["template"]["spec"]["containers"] for d in (api, worker))
    assert worker_c["image"] == api_c["image"] and worker_c["command"] == api_c["command"]
    assert worker_c["envFrom"] == api_c["envFrom"] and worker_c["resources"] == api_c["resources"]
    worker_labels = worker["spec"]["template"]["metadata"]["labels"]
    assert selector_matches(worker["spec"]["selector"], worker_labels)
    assert not selector_matches(api["spec"]["selector"], worker_labels), "two Deployments own the same pods"
    service_selector = {"matchLabels": find(prod, "Service", "metrics")["spec"]["selector"]}  # a plain map
    assert not selector_matches(service_selector, worker_labels), "API requests would reach workers"
    assert not selector_matches(
        find(prod, "PodDisruptionBudget", "metrics")["spec"]["selector"], worker_labels
    )
    hpa = find(prod, "HorizontalPodAutoscaler", "metrics-worker")["spec"]
    assert hpa["scaleTargetRef"]["name"] == "metrics-worker" and hpa["minReplicas"] >= 2

    egress_ports = {
        port
        for pol in _policies(prod, worker_labels, "Egress")
        for rule in pol["spec"].get("egress", [])
        for port in _ports(rule)
    }
    assert {53, 4222, 4318, 5432} <= egress_ports
    ingress_from = [
        peer
        for pol in _policies(prod, worker_labels, "Ingress")
        for rule in pol["spec"].get("ingress", [])
        for peer in rule.get("from", [])
    ]
    assert ingress_from == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]

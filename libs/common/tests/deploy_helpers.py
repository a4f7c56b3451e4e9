"""Shared facts and helpers of the deployment checks (``test_deploy_*.py``).

Nothing here needs Docker, a cluster or the network. What lives here:

- the facts the services rely on (``SERVICES``: ports, prefixes, databases, secrets; ``STREAMS``);
- YAML loading and a minimal kustomize renderer (resources, configMapGenerator, images, labels,
  JSON6902 and strategic-merge patches), so the overlay checks run everywhere; when a
  ``kubectl``/``kustomize`` binary is present, ``test_deploy_k8s`` cross-checks it against the real thing;
- compose helpers: loading, ``${VAR}`` interpolation and the compose-spec merge of an override file;
- a Dockerfile parser (stages and instructions).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
OVERLAYS = {"dev": K8S / "overlays" / "dev", "prod": K8S / "overlays" / "prod"}
NATS_DIR = K8S / "nats"
COMPOSE_DIR = DEPLOY / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
COMPOSE_DEV_FILE = COMPOSE_DIR / "compose.dev.yml"
DOCKER_DIR = DEPLOY / "docker"
NAMESPACE = "adpilot"
# Fixed non-root UID of every image (base.Dockerfile) and every pod (runAsUser).
APP_UID = 10001


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


# libyaml's safe loader when PyYAML was built with it (same result, several times faster).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_docs(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as fh:
        return [d for d in yaml.load_all(fh, Loader=_LOADER) if d is not None]


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
            for c in containers(d):
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


def pod_spec(doc: Doc) -> dict[str, Any] | None:
    kind = doc.get("kind")
    spec: dict[str, Any] | None = None
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}:
        spec = doc["spec"]["template"]["spec"]
    elif kind == "CronJob":
        spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    elif kind == "Pod":
        spec = doc["spec"]
    return spec


def containers(doc: Doc) -> list[dict[str, Any]]:
    spec = pod_spec(doc)
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


# ---------------------------------------------------------------------------
# Compose
# ---------------------------------------------------------------------------


def cmd(value: str | list[str]) -> list[str]:
    return value.split() if isinstance(value, str) else list(value)


def healthcheck_text(svc: dict[str, Any]) -> str:
    test = svc["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def env_of(svc: dict[str, Any]) -> dict[str, Any]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict((item.split("=", 1) + [None])[:2] for item in env)
    return dict(env)


def depends(svc: dict[str, Any]) -> dict[str, str]:
    deps = svc.get("depends_on") or {}
    assert isinstance(deps, dict), "depends_on must use the long form with conditions"
    return {name: spec["condition"] for name, spec in deps.items()}


def go_duration_s(text: str) -> float:
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    assert parts and "".join(n + u for n, u in parts) == text, f"not a Go duration: {text!r}"
    return sum(float(n) * units[u] for n, u in parts)


def env_example() -> dict[str, str]:
    """Variables of .env.example, commented-out (optional) ones included."""
    out = {}
    for line in (COMPOSE_DIR / ".env.example").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


VAR_REF = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?+][^}]*)?\}")
_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}`` (and ``$$``) substitution of every string."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group(1), m.group(2), m.group(3)
        value = env.get(name)
        unset_or_empty = not value if op and op.startswith(":") else value is None
        if op in {":-", "-"}:
            return arg if unset_or_empty else str(value)
        if op in {":?", "?"}:
            assert not unset_or_empty, f"compose would refuse to start: {name}: {arg}"
            return str(value)
        if op in {":+", "+"}:
            return "" if unset_or_empty else arg
        return value or ""

    if isinstance(node, dict):
        return {k: interpolate(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env) for v in node]
    if isinstance(node, str):
        return _INTERPOLATION.sub(sub, node)
    return node


def operator_env() -> dict[str, str]:
    """What an operator's .env would hold: .env.example with every empty value filled in."""
    return {k: v or f"example-{k.lower()}" for k, v in env_example().items()}


# Compose-spec merge rules (https://github.com/compose-spec/compose-spec/blob/main/13-merge.md):
# mappings merge key by key, these sequences are replaced, every other sequence is appended
# (duplicates dropped).
_REPLACED_SEQUENCES = {"command", "entrypoint", "test", "profiles"}


def merge_compose(base: Any, override: Any, key: str = "") -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = merge_compose(base[k], v, k) if k in base else copy.deepcopy(v)
        return out
    if isinstance(base, list) and isinstance(override, list) and key not in _REPLACED_SEQUENCES:
        return list(base) + [v for v in override if v not in base]
    return copy.deepcopy(override)


def load_compose(*files: Path) -> dict[str, Any]:
    """The compose model of ``docker compose -f a -f b``: YAML anchors resolved, files merged."""
    model: dict[str, Any] = {}
    for path in files:
        (doc,) = load_docs(path)
        model = merge_compose(model, doc)
    return model


# ---------------------------------------------------------------------------
# Dockerfiles
# ---------------------------------------------------------------------------


@dataclass
class Stage:
    image: str  # the FROM argument (ARG defaults substituted)
    name: str | None
    instructions: list[tuple[str, str]]  # (INSTRUCTION, arguments), continuation lines joined

    def args(self, instruction: str) -> list[str]:
        return [a for i, a in self.instructions if i == instruction]


def dockerfile_stages(path: Path) -> list[Stage]:
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction, rest = instruction.upper(), rest.strip()
        if instruction == "ARG" and not stages:
            arg, _, default = rest.partition("=")
            global_args[arg] = default
        elif instruction == "FROM":
            words = rest.split()
            image = re.sub(r"\$\{(\w+)\}", lambda m: global_args.get(m.group(1), m.group(0)), words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(image, name, []))
        else:
            assert stages, f"{rel(path)}: {instruction} before the first FROM"
            stages[-1].instructions.append((instruction, rest))
    return stages

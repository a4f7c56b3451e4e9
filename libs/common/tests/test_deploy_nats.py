"""NATS: the Helm values of the 3-node JetStream cluster and the NACK streams under ``deploy/k8s/nats``.

``streams.yaml`` must mirror ``adpilot_common.events.streams`` (the services declare the same streams at
start-up and update a differing one), and the replica count every deployment declares must agree with it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .deploy_helpers import (
    NATS_DIR,
    SERVICES,
    STREAMS,
    Doc,
    env_of,
    find,
    go_duration_s,
    load_docs,
)

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
        assert (cfg.max_age or 0) == go_duration_s(spec.get("maxAge", "0s")), f"{name}: maxAge"
        assert (cfg.duplicate_window or 120) == go_duration_s(spec.get("duplicateWindow", "2m")), name
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
        value = env_of(compose["services"][svc.name]).get(f"{svc.prefix}NATS_STREAM_REPLICAS")
        assert str(value) == "1", f"compose {svc.name}: single NATS server, stream replicas must be 1"


def test_nats_url_matches_helm_release(base: list[Doc]) -> None:
    # Release "nats" installed into namespace "nats" (see values.yaml header).
    for svc in SERVICES.values():
        data = find(base, "ConfigMap", f"{svc.name}-config")["data"]
        assert data[f"{svc.prefix}NATS_URL"] == "nats://nats.nats.svc.cluster.local:4222"
    header = (NATS_DIR / "values.yaml").read_text(encoding="utf-8")
    assert "helm upgrade --install nats nats/nats" in header
    assert "--namespace nats" in header

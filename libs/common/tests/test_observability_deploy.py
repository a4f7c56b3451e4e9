"""deploy/observability against the code: the Grafana dashboard and the alert rules are valid, and every metric
(and label) they use is one the services define; every alert has its entry in docs/runbook.md.

PromQL cannot be fully parsed offline (no Prometheus in the test environment): expressions are checked for
structure (balanced brackets, valid range durations) and for the metrics and labels they reference."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import adpilot_common.metrics  # noqa: F401 (registers the shared metrics, checked against the source scan)

from .deploy_helpers import DEPLOY, REPO, SERVICES

OBSERVABILITY = DEPLOY / "observability"
DASHBOARD = OBSERVABILITY / "grafana-dashboard.json"
ALERTS = OBSERVABILITY / "prometheus-alerts.yml"
RUNBOOK = REPO / "docs" / "runbook.md"
SOURCES = [REPO / "libs" / "common" / "src", *sorted((REPO / "services").glob("*/src"))]

# Series Prometheus itself adds, and labels every scraped series carries.
PROMETHEUS_SERIES = {"up"}
TARGET_LABELS = {"job", "instance"}

_DEFINITION = re.compile(
    r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"(adpilot_\w+)\",\s*\"(?:[^\"\\]|\\.)*\"\s*(?:,\s*\[([^\]]*)\])?",
    re.DOTALL,
)
_SUFFIXES = {
    "Counter": ("_total",),
    "Gauge": ("",),
    "Histogram": ("_bucket", "_count", "_sum"),
    "Summary": ("_count", "_sum"),
}


@dataclass(frozen=True)
class Metric:
    kind: str
    name: str
    labels: frozenset[str]
    where: str


def defined_metrics() -> dict[str, Metric]:
    """Every ``adpilot_*`` metric defined in the code, by each series name it exposes."""
    series: dict[str, Metric] = {}
    for root in SOURCES:
        for path in root.rglob("*.py"):
            for kind, name, labels in _DEFINITION.findall(path.read_text()):
                metric = Metric(kind, name, frozenset(re.findall(r"\"(\w+)\"", labels or "")), str(path))
                base = name.removesuffix("_total") if kind == "Counter" else name
                for suffix in _SUFFIXES[kind]:
                    key = base + suffix
                    assert key not in series, f"{key} defined twice: {series[key].where} and {path}"
                    series[key] = metric
    return series


METRICS = defined_metrics()

_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?\s*(\[[^\]]*\])?")
_MATCHER = re.compile(r"(\w+)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
_DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$|^\$__(rate_)?interval$")
_FUNCTIONS = {
    "sum", "max", "min", "avg", "count", "topk", "bottomk", "rate", "irate", "increase", "deriv", "delta",
    "histogram_quantile", "by", "without", "and", "or", "unless", "on", "ignoring", "absent", "clamp_min",
    "humanize", "le",
}  # fmt: skip


def referenced(expr: str) -> list[tuple[str, str]]:
    """(metric, its label matchers) for every series selector in ``expr``."""
    found = []
    without_strings = re.sub(r"\"(?:[^\"\\]|\\.)*\"", '""', expr)
    for name, matchers, _ in _SELECTOR.findall(without_strings):
        if name in _FUNCTIONS or re.fullmatch(r"\d+(\.\d+)?(e\d+)?", name):
            continue
        if not (matchers or name.startswith("adpilot_") or name in PROMETHEUS_SERIES):
            continue  # a label name inside by (...) or a matcher, handled below
        found.append((name, matchers))
    return found


def check_expression(expr: str, where: str) -> set[str]:
    """Structure, metrics and labels of one PromQL expression; returns the metrics it uses."""
    for opening, closing in ("()", "[]", "{}"):
        assert expr.count(opening) == expr.count(closing), f"{where}: unbalanced {opening}{closing} in {expr}"
    for duration in re.findall(r"\[([^\]]+)\]", expr):
        assert _DURATION.match(duration.strip()), f"{where}: bad range [{duration}]"
    used: set[str] = set()
    labels: set[str] = set(TARGET_LABELS)
    for name, matchers in referenced(expr):
        if name in PROMETHEUS_SERIES:
            used.add(name)
            continue
        assert name in METRICS, f"{where}: {name} is not defined in the code (defined: {sorted(METRICS)})"
        metric = METRICS[name]
        allowed = metric.labels | TARGET_LABELS | ({"le"} if name.endswith("_bucket") else set())
        for label in _MATCHER.findall(matchers):
            assert label in allowed, f"{where}: {name} has no label {label!r} (has {sorted(metric.labels)})"
        used.add(name)
        labels |= allowed
    assert used, f"{where}: no metric in {expr}"
    for group in _GROUPING.findall(expr):
        for label in filter(None, (g.strip() for g in group.split(","))):
            assert label in labels, f"{where}: groups by {label!r}, which none of its metrics has"
    return used


def test_the_source_scan_finds_every_registered_metric() -> None:
    """The scan is how services' metrics are found without importing them; prove it on the shared ones."""
    registered = {m.name for m in REGISTRY.collect() if m.name.startswith("adpilot_")}
    scanned = {m.name.removesuffix("_total") for m in METRICS.values()}
    assert registered <= scanned, registered - scanned
    assert {
        "adpilot_sync_runs_total",
        "adpilot_llm_cost_usd_total",
        "adpilot_notify_deliveries_total",
    } <= set(METRICS)


def test_every_metric_follows_the_naming_rules() -> None:
    for metric in {m.name: m for m in METRICS.values()}.values():
        assert re.fullmatch(r"adpilot_[a-z0-9_]+", metric.name)
        if metric.kind == "Counter":
            assert metric.name.endswith("_total"), f"counter {metric.name} must end in _total"
        else:
            assert not metric.name.endswith("_total"), metric.name
        if metric.kind == "Histogram":
            assert metric.name.endswith("_seconds"), f"histogram {metric.name}: seconds, by convention"


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return data


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def test_the_dashboard_is_a_grafana_dashboard(dashboard: dict[str, Any]) -> None:
    assert {"uid", "title", "panels", "schemaVersion", "templating", "time"} <= dashboard.keys()
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 36
    assert dashboard.get("id") is None, "no instance-specific id: the dashboard imports anywhere"
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert (
        variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    )
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels(dashboard):
        grid = panel["gridPos"]
        assert {"h", "w", "x", "y"} <= grid.keys() and grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["type"] in {"timeseries", "stat", "gauge", "table", "bargauge"}, panel["type"]
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert ref_ids and len(ref_ids) == len(set(ref_ids)), panel["title"]


def test_the_dashboard_covers_every_concern_with_defined_metrics(dashboard: dict[str, Any]) -> None:
    used: set[str] = set()
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            used |= check_expression(target["expr"], f"panel {panel['title']!r}")
    for needed in (
        "adpilot_http_requests_total",  # rate and errors per service
        "adpilot_http_request_seconds_bucket",  # latency
        "adpilot_consumer_pending_messages",
        "adpilot_outbox_backlog_messages",
        "adpilot_dlq_messages",
        "adpilot_sync_runs_total",
        "adpilot_llm_cost_usd_total",
        "adpilot_notify_deliveries_total",
        "adpilot_reports_total",
    ):
        assert needed in used, f"the dashboard has no panel on {needed}"


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    data = yaml.safe_load(ALERTS.read_text())
    assert set(data) == {"groups"}, "a rule file (PrometheusRule spec) holds only groups"
    names = [g["name"] for g in data["groups"]]
    assert len(names) == len(set(names))
    return [rule for group in data["groups"] for rule in group["rules"]]


def test_alert_rules_are_well_formed_and_use_defined_metrics(rules: list[dict[str, Any]]) -> None:
    alerts = [r["alert"] for r in rules]
    assert len(alerts) == len(set(alerts))
    for rule in rules:
        name = rule["alert"]
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}, name
        assert re.fullmatch(r"Adpilot[A-Z][A-Za-z0-9]+", name)
        assert _DURATION.match(rule["for"]), f"{name}: for {rule['for']}"
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name
        assert {"summary", "description", "runbook_url"} <= rule["annotations"].keys(), name
        assert rule["annotations"]["runbook_url"] == f"docs/runbook.md#{name.lower()}", name
        check_expression(rule["expr"], name)


def test_the_alerts_cover_what_the_operators_asked_for(rules: list[dict[str, Any]]) -> None:
    expressions = {r["alert"]: r["expr"] for r in rules}
    assert "up{" in expressions["AdpilotServiceDown"]
    for alert, metric in {
        "AdpilotHigh5xxRatio": "adpilot_http_requests_total",
        "AdpilotHighP99Latency": "adpilot_http_request_seconds_bucket",
        "AdpilotConsumerLagGrowing": "adpilot_consumer_pending_messages",
        "AdpilotOutboxBacklog": "adpilot_outbox_oldest_age_seconds",
        "AdpilotDeadLetters": "adpilot_dlq_messages",
        "AdpilotLlmBudgetBurn": "adpilot_llm_cost_usd_total",
        "AdpilotSyncFailures": "adpilot_sync_runs_total",
    }.items():
        assert metric in expressions[alert], alert


def test_every_alert_has_a_runbook_entry(rules: list[dict[str, Any]]) -> None:
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in RUNBOOK.read_text().splitlines()
        if line.startswith("#")
    }
    for rule in rules:
        assert rule["alert"].lower() in headings, f"docs/runbook.md has no section {rule['alert']}"


def test_the_compose_scrape_config_scrapes_every_service_and_loads_the_rules() -> None:
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    for rule_file in config["rule_files"]:
        assert (OBSERVABILITY / rule_file).is_file()
    (job,) = config["scrape_configs"]
    assert re.fullmatch(r"adpilot.*", job["job_name"])  # what AdpilotServiceDown selects
    targets = {t for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {f"{s.name}:{s.port}" for s in SERVICES.values()} | {"gateway:8000"}

"""Scenario 4: three replicas each of metrics and notify share one durable consumer per subject (and notify's
delivery queue): the work is split, and every effect happens exactly once."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from resilience.figures import Figures, Report
from resilience.harness import ChaosStack, ServiceProcess
from resilience.load import EmailProbe, MetricsProbe, Probe, Rate, report_probes, running, wait_settled
from resilience.receivers import SmtpRecorder

pytestmark = pytest.mark.chaos

REPLICAS = 3
LOAD_S = 12.0


async def consumed_by(process: ServiceProcess, consumer: str) -> int:
    """Events this replica applied for ``consumer`` (its own Prometheus counter)."""
    async with httpx.AsyncClient(timeout=5) as client:
        body = (await client.get(f"{process.url}/metrics")).text
    pattern = rf'adpilot_events_consumed_total{{[^}}]*consumer="{re.escape(consumer)}"[^}}]*outcome="applied"[^}}]*}} (\S+)'
    return sum(int(float(v)) for v in re.findall(pattern, body))


async def test_replicas_share_work_exactly_once(
    stack: ChaosStack, smtp: SmtpRecorder, report: Report
) -> None:
    extra: list[ServiceProcess] = []
    for name in ("metrics", "notify"):
        while len(stack.replicas(name)) < REPLICAS:
            extra.append(stack.add_replica(name))
    await stack.wait_ready(extra, timeout_s=120)

    metrics, email = MetricsProbe(stack), EmailProbe(stack, smtp)
    probes: list[Probe] = [metrics, email]
    watched = {"metrics": "metrics--metrics-v1-fetched", "notify": "notify--user-v1-password_reset_requested"}
    before = {n: [await consumed_by(p, c) for p in stack.replicas(n)] for n, c in watched.items()}
    # Several publishers per probe: enough traffic that every replica's pulls find work.
    async with running([Rate(metrics, 15), Rate(email, 8)]):
        await asyncio.sleep(LOAD_S)
    await wait_settled(probes, timeout_s=90)

    split = {
        n: [await consumed_by(p, c) - b for p, b in zip(stack.replicas(n), before[n], strict=True)]
        for n, c in watched.items()
    }
    figures = Figures("3 replicas of metrics and notify")
    await report_probes(report, "3 replicas", probes, figures)
    mismatches = await metrics.rollup_mismatches()
    figures.duplicated += mismatches + email.resent
    figures.details = {
        "events_applied_per_replica": split,
        "rollup_mismatches": mismatches,
        "smtp_resends_same_message_id": email.resent,
    }
    report.add(figures)
    for process in extra:
        await asyncio.to_thread(process.stop)

    assert figures.lost == 0, figures
    assert figures.duplicated == 0, figures
    # Shared, not copied: more than one replica did part of the work of each consumer.
    assert sum(1 for n in split["metrics"] if n > 0) >= 2, split

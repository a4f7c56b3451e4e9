"""Scenario 2: nats-server is killed and restarted under load; every consumer resumes and no acked message is lost."""

from __future__ import annotations

import asyncio
import time

import pytest

from resilience.checks import wait_handoff
from resilience.figures import Figures, Report
from resilience.harness import ChaosStack, recovery_limit_s, wait_recovered
from resilience.load import (
    AuditProbe,
    CopyProbe,
    EmailProbe,
    MetricsProbe,
    Probe,
    Rate,
    Tenant,
    report_probes,
    running,
    wait_settled,
)
from resilience.receivers import SmtpRecorder

pytestmark = pytest.mark.chaos

DOWN_S = 3.0


@pytest.mark.timeout(600)
async def test_nats_restart_under_load(
    stack: ChaosStack, smtp: SmtpRecorder, tenant: Tenant, report: Report
) -> None:
    assert stack.nats is not None
    metrics, email = MetricsProbe(stack), EmailProbe(stack, smtp)
    probes: list[Probe] = [metrics, AuditProbe(stack), email, CopyProbe(stack, tenant)]
    rates = [Rate(metrics, 10), Rate(probes[1], 5), Rate(email, 5), Rate(probes[3], 2)]
    async with running(rates):
        await asyncio.sleep(3)
        killed_at = time.monotonic()
        await asyncio.to_thread(stack.nats.kill)  # a crash, not a shutdown
        await asyncio.sleep(DOWN_S)
        await asyncio.to_thread(stack.nats.start)
        await wait_recovered(stack, list(stack.processes), timeout_s=150)
        recovery = time.monotonic() - killed_at
        await asyncio.sleep(3)  # consumers keep going after the restart

    await wait_settled(probes, timeout_s=90)
    handoff = await wait_handoff(stack, timeout_s=30)
    figures = Figures("restart NATS (kill -9, 3 s down)", recovery_s=round(recovery, 2))
    await report_probes(report, "restart NATS", probes, figures)
    for probe in probes:
        await probe.close()
    mismatches = await metrics.rollup_mismatches()
    figures.sent += handoff.recorded
    figures.processed += handoff.applied
    figures.lost += handoff.lost + handoff.unpublished
    figures.duplicated += mismatches
    figures.details = {
        "outbox_handoff_missing": handoff.missing,
        "rollup_mismatches": mismatches,
        "smtp_resends_same_message_id": email.resent,
    }
    report.add(figures)

    assert figures.lost == 0, figures
    assert figures.duplicated == 0, figures
    assert recovery <= recovery_limit_s(), figures

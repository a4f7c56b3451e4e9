"""Scenario 1: kill -9 each service in turn while load runs; the harness restarts it as a process manager would.

Nothing acknowledged may be lost, nothing may take effect twice, and each service must answer /readyz and work
off its backlog within 30 s of the kill.
"""

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
    LoginProbe,
    MetricsProbe,
    Probe,
    Rate,
    SyncProbe,
    Tenant,
    report_probes,
    running,
    wait_settled,
)
from resilience.receivers import SmtpRecorder

pytestmark = pytest.mark.chaos

ORDER = ("auth", "connectors", "metrics", "notify", "ai-copy", "gateway")
RESTART_DELAY_S = 1.0  # a process manager's restart delay
BETWEEN_KILLS_S = 3.0


@pytest.mark.timeout(900)
async def test_kill_each_service_under_load(
    stack: ChaosStack, smtp: SmtpRecorder, tenant: Tenant, report: Report
) -> None:
    metrics, email = MetricsProbe(stack), EmailProbe(stack, smtp)
    probes: list[Probe] = [
        metrics,
        AuditProbe(stack),
        email,
        LoginProbe(stack, tenant),
        CopyProbe(stack, tenant),
        SyncProbe(stack, tenant),
    ]
    rates = [Rate(probes[0], 10), Rate(probes[1], 5), Rate(probes[2], 5), Rate(probes[3], 1)]
    rates += [Rate(probes[4], 2), Rate(probes[5], 0.5)]

    recoveries: dict[str, float] = {}
    readiness: dict[str, float] = {}
    async with running(rates):
        await asyncio.sleep(BETWEEN_KILLS_S)
        for name in ORDER:
            process = stack.primary(name)
            killed_at = time.monotonic()
            process.kill9()
            await asyncio.sleep(RESTART_DELAY_S)
            restarted_at = time.monotonic()
            process.start()
            ready_s = await wait_recovered(stack, [process], timeout_s=150)
            recoveries[name] = round(time.monotonic() - killed_at, 2)
            readiness[name] = round(restarted_at - killed_at + ready_s, 2)
            report.add(
                Figures(f"kill -9 {name}", recovery_s=recoveries[name], details={"ready_s": readiness[name]})
            )
            await asyncio.sleep(BETWEEN_KILLS_S)

    # A delivery notify had leased when it was killed is sent once its lease (60 s) runs out.
    settle_s = await wait_settled(probes, timeout_s=120)
    handoff = await wait_handoff(stack, timeout_s=30)
    totals = Figures("kill -9 each service (all load)", recovery_s=max(recoveries.values()))
    await report_probes(report, "kill -9 each service", probes, totals)
    mismatches = await metrics.rollup_mismatches()
    totals.sent += handoff.recorded
    totals.processed += handoff.applied
    totals.lost += handoff.lost + handoff.unpublished
    totals.duplicated += mismatches
    totals.details = {
        "recoveries_s": recoveries,
        "ready_s": readiness,
        "outbox_events_to_consumers": handoff.recorded,
        "outbox_handoff_missing": handoff.missing,
        "outbox_unpublished": handoff.unpublished,
        "rollup_mismatches": mismatches,
        "smtp_resends_same_message_id": email.resent,
        "settled_after_load_s": round(settle_s, 1),
    }
    report.add(totals)
    for probe in probes:
        await probe.close()

    assert totals.lost == 0, totals
    assert totals.duplicated == 0, totals
    assert all(p.acked for p in probes), [p.name for p in probes if not p.acked]
    slow = {name: s for name, s in recoveries.items() if s > recovery_limit_s()}
    assert not slow, f"recovered later than {recovery_limit_s()}s after the kill: {slow}"

"""Scenario 3: PostgreSQL stopped for 60 s under load. The API answers 503 problem+json at once (no hang),
events wait in JetStream and are applied after PostgreSQL is back."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter

import httpx
import pytest

from resilience.checks import wait_handoff
from resilience.figures import Figures, Report
from resilience.harness import ChaosStack, recovery_limit_s, wait_recovered
from resilience.load import (
    BRIEF,
    PASSWORD,
    AuditProbe,
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

DOWN_S = 60.0
ANSWER_LIMIT_S = 5.0  # the client gives up here: an answer slower than this counts as a hang


async def probe_api(tenant: Tenant, until: float) -> tuple[Counter[str], list[float]]:
    """Call database-backed endpoints through the gateway until ``until``; (status/content-type counts,
    answer times). A timeout counts as ``hang``."""
    calls = [
        ("GET", "/api/ai-copy/generations", None, True),
        ("POST", "/api/ai-copy/generations", {**BRIEF, "product": "Outage blend"}, True),
        ("GET", "/api/connectors/accounts", None, True),
        ("GET", "/api/notify/deliveries", None, True),
        ("POST", "/api/auth/login", {"email": tenant.email, "password": PASSWORD}, False),
    ]
    outcomes: Counter[str] = Counter()
    times: list[float] = []
    async with tenant.client(timeout_s=ANSWER_LIMIT_S) as client:
        i = 0
        while time.monotonic() < until:
            method, path, body, auth = calls[i % len(calls)]
            i += 1
            started = time.monotonic()
            try:
                r = await client.request(method, path, json=body, headers=tenant.headers if auth else None)
            except httpx.TimeoutException:
                outcomes["hang"] += 1
                times.append(ANSWER_LIMIT_S)
                continue
            times.append(time.monotonic() - started)
            kind = r.headers.get("content-type", "").split(";")[0]
            outcomes[f"{r.status_code} {kind}"] += 1
            await asyncio.sleep(0.2)
    return outcomes, times


@pytest.mark.timeout(600)
async def test_postgres_down_60s(
    stack: ChaosStack, smtp: SmtpRecorder, tenant: Tenant, report: Report
) -> None:
    assert stack.postgres is not None
    metrics, email = MetricsProbe(stack), EmailProbe(stack, smtp)
    probes: list[Probe] = [metrics, AuditProbe(stack), email]
    async with running([Rate(metrics, 5), Rate(probes[1], 3), Rate(email, 3)]):
        await asyncio.sleep(2)
        await asyncio.to_thread(stack.postgres.stop)
        stopped_at = time.monotonic()
        seqs_before = await stack.stream_last_seqs()
        await asyncio.sleep(3)  # the first requests may still have found a pooled connection
        outcomes, times = await probe_api(tenant, stopped_at + DOWN_S)
        seqs_after = await stack.stream_last_seqs()
        await asyncio.to_thread(stack.postgres.start)
        back_at = time.monotonic()
        await wait_recovered(stack, list(stack.processes), timeout_s=150)
        recovery = time.monotonic() - back_at
        await asyncio.sleep(2)

    waited_in_jetstream = sum(seqs_after[s] - seqs_before[s] for s in seqs_after)
    await wait_settled(probes, timeout_s=90)
    handoff = await wait_handoff(stack, timeout_s=30)
    figures = Figures("PostgreSQL down 60 s", recovery_s=round(recovery, 2))
    await report_probes(report, "PostgreSQL down", probes, figures)
    figures.lost += handoff.lost + handoff.unpublished
    figures.duplicated += await metrics.rollup_mismatches()
    answered_503 = sum(n for k, n in outcomes.items() if k == "503 application/problem+json")
    figures.details = {
        "api_calls_during_outage": sum(outcomes.values()),
        "api_answers": dict(outcomes),
        "api_503_problem_json": answered_503,
        "api_answer_p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
        "api_answer_max_ms": round(max(times) * 1000, 1) if times else None,
        "messages_stored_in_jetstream_while_down": waited_in_jetstream,
        "outbox_handoff_missing": handoff.missing,
    }
    report.add(figures)

    assert figures.lost == 0, figures
    assert figures.duplicated == 0, figures
    assert outcomes["hang"] == 0, figures
    assert set(outcomes) == {"503 application/problem+json"}, figures
    assert waited_in_jetstream > 0, figures
    assert recovery <= recovery_limit_s(), figures

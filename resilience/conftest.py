"""One stack for the whole suite (starting it costs ~20 s); each scenario brings its own load and tenants."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from resilience.figures import Report, results_path
from resilience.harness import ChaosStack, environment_note
from resilience.load import Tenant
from resilience.receivers import SmtpRecorder


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpRecorder]:
    recorder = SmtpRecorder()
    recorder.start()
    yield recorder
    recorder.stop()


@pytest.fixture(scope="session")
def chaos_root() -> Path:
    """Data and per-process logs of the run, kept afterwards for diagnosis and replaced by the next run:
    ``$ADPILOT_CHAOS_DIR``, else ``.data/chaos/run`` next to the results."""
    path = Path(os.environ.get("ADPILOT_CHAOS_DIR") or results_path().parent / "run")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="session")
async def stack(chaos_root: Path, smtp: SmtpRecorder) -> AsyncIterator[ChaosStack]:
    chaos = ChaosStack(chaos_root, smtp_port=smtp.port)
    try:
        await chaos.start()
        yield chaos
    finally:
        await chaos.close()
    print(f"\n[chaos] logs: {chaos.logs}")


@pytest.fixture(scope="session")
def report() -> Report:
    return Report(results_path(), environment_note())


@pytest.fixture
async def tenant(stack: ChaosStack) -> Tenant:
    """A fresh user and org with the sandbox linked (its first sync runs in the background)."""
    user = Tenant(f"http://127.0.0.1:{stack.primary('gateway').port}")
    await user.sign_up()
    await user.link_sandbox()
    return user

"""SIGTERM during a slow handler: the handler finishes, its message is acked, the process exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap

from adpilot_common.testing.waiting import eventually

from .conftest import CONSUMER, SUBJECT, user_event

SLOW_APP = textwrap.dedent(
    """
    import asyncio
    import os
    from pathlib import Path
    from sqlalchemy import text
    from adpilot_common.app import create_service_app
    from adpilot_common.runtime import ServiceRuntime
    from adpilot_common.settings import BaseServiceSettings, service_config


    class Settings(BaseServiceSettings):
        model_config = service_config("PROBE_")
        service_name = "probe"


    async def slow(session, event, payload):
        Path(os.environ["PROBE_MARKER"]).touch()  # tells the test the handler is running
        await asyncio.sleep(2.0)
        await session.execute(text("INSERT INTO effects (event_id) VALUES (:id)"), {"id": event.id})


    def create_app():
        runtime = ServiceRuntime(Settings())
        runtime.consume("user.v1.registered", slow)
        return create_service_app(runtime, title="slow probe")
    """
)


async def test_sigterm_finishes_in_flight_message_acks_and_exits_zero(
    eventing_db, nats_server, nats_client, tmp_path
):
    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    env = {
        **os.environ,
        "PROBE_DATABASE_URL": eventing_db.url,
        "PROBE_NATS_URL": nats_server.url,
        "PROBE_ENVIRONMENT": "test",
        "PROBE_MARKER": str(tmp_path / "handler-started"),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adpilot_common.serve",
        "slow_app:create_app",
        "--port",
        "0",
        env={**env, "PYTHONPATH": str(tmp_path)},
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    js = nats_client.jetstream()
    try:

        async def consumer_exists() -> bool:
            try:
                await js.consumer_info("AUTH", CONSUMER)
            except Exception:
                return False
            return True

        await eventually(consumer_exists, timeout=30, what="the service's durable consumer")
        await js.publish(SUBJECT, user_event().to_bytes())

        async def in_handler() -> bool:
            return (tmp_path / "handler-started").exists()

        await eventually(in_handler, what="the message to be in the handler")
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), timeout=30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    assert await eventing_db.effects() == 1  # the handler was allowed to finish
    info = await js.consumer_info("AUTH", CONSUMER)
    assert info.num_ack_pending == 0 and info.num_redelivered == 0
    assert info.ack_floor.stream_seq == 1  # acked before the connection closed: nothing to redeliver

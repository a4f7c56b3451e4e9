"""Running an operator command (``python -m <module> <args>``) as its own process, as an operator would."""

from __future__ import annotations

import asyncio
import os
import sys


async def run_command(module: str, *args: str, env: dict[str, str]) -> str:
    """Its stdout, stripped; fails the test with its stderr when it exits non-zero. ``env`` is added to ours."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode().strip()

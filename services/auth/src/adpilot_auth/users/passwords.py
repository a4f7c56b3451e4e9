"""argon2id hashing, run off the event loop (each hash costs ~20-50 ms of CPU by design)."""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher

# OWASP Password Storage Cheat Sheet minimum for argon2id: m=19 MiB, t=2, p=1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(HASHER.hash, password)

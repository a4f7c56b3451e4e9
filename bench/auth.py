"""Auth benchmark: argon2id verifications per second at the chosen parameters, and what token checking adds
to a request (signature + claims + revocation lookup) compared with the same request unauthenticated.

    .venv/bin/python bench/auth.py [--requests N] [--out bench/results/auth.json]

Everything runs in process on this machine; no network.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from adpilot_auth.keys.service import ActiveKey, public_jwk
from adpilot_auth.sessions.tokens import issue_access_token
from adpilot_auth.users.passwords import HASHER
from adpilot_common.problems import install_problem_handlers
from adpilot_common.security.dependencies import AuthGuard, Principal
from adpilot_common.security.revocations import RevocationSet
from adpilot_common.security.tokens import JwksCache, TokenVerifier

TARGET_ADDED_MS = 0.5


def argon2_verifies_per_s(hasher: PasswordHasher, seconds: float, threads: int) -> float:
    stored = hasher.hash("correct horse battery staple")

    def loop() -> int:
        done, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            hasher.verify(stored, "correct horse battery staple")
            done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(lambda _: loop(), range(threads)))
    return total / (time.perf_counter() - started)


def build_app() -> tuple[FastAPI, str]:
    private = Ed25519PrivateKey.generate()
    key = ActiveKey("bench-key", private)
    token, _ = issue_access_token(
        key,
        issuer="adpilot-auth",
        audience="adpilot",
        ttl_s=600,
        user_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        org_id=uuid.uuid4(),
        role="admin",
        mfa=True,
    )
    # A realistic revocation set: a few thousand revoked sessions to look through.
    revocations = RevocationSet(905.0)
    for _ in range(5000):
        revocations.revoke(uuid.uuid4())
    guard = AuthGuard(
        TokenVerifier(JwksCache.from_static({"keys": [public_jwk("bench-key", private)]})), revocations
    )
    app = FastAPI()
    install_problem_handlers(app)
    app.state.auth_guard = guard

    @app.get("/open")
    async def open_route() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/guarded")
    async def guarded(caller: Principal) -> dict[str, str]:
        return {"ok": str(caller.org_id)}

    return app, token


async def request_latency_ms(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], n: int
) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return samples


async def request_overhead(n: int) -> dict[str, Any]:
    app, token = build_app()
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bench") as client:
        await request_latency_ms(client, "/open", {}, 200)  # warm up both paths
        await request_latency_ms(client, "/guarded", auth, 200)
        # Interleave rounds so drift on a shared machine hits both paths alike.
        open_s: list[float] = []
        guarded_s: list[float] = []
        for _ in range(10):
            open_s += await request_latency_ms(client, "/open", {}, n // 10)
            guarded_s += await request_latency_ms(client, "/guarded", auth, n // 10)
    guard: AuthGuard = app.state.auth_guard
    started = time.perf_counter()
    for _ in range(n):
        await guard.authenticate(token)
    verify_ms = (time.perf_counter() - started) * 1000 / n
    open_p50, guarded_p50 = statistics.median(open_s), statistics.median(guarded_s)
    return {
        "requests_per_path": len(open_s),
        "unauthenticated_p50_ms": round(open_p50, 4),
        "authenticated_p50_ms": round(guarded_p50, 4),
        "added_p50_ms": round(guarded_p50 - open_p50, 4),
        "token_verify_plus_revocation_ms": round(verify_ms, 4),
        "target_added_ms": TARGET_ADDED_MS,
        "met": guarded_p50 - open_p50 <= TARGET_ADDED_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--argon2-seconds", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "auth.json")
    args = parser.parse_args()

    params = {
        "time_cost": HASHER.time_cost,
        "memory_cost_kib": HASHER.memory_cost,
        "parallelism": HASHER.parallelism,
    }
    one = argon2_verifies_per_s(HASHER, args.argon2_seconds, 1)
    cores = os.cpu_count() or 1
    many = argon2_verifies_per_s(HASHER, args.argon2_seconds, cores)
    overhead = asyncio.run(request_overhead(args.requests))
    doc = {
        "benchmark": "auth",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": cores, "python": platform.python_version(), "loadavg": list(os.getloadavg())},
        "argon2id": {
            **params,
            "verifies_per_s_1_thread": round(one, 1),
            f"verifies_per_s_{cores}_threads": round(many, 1),
            "ms_per_verify": round(1000 / one, 2),
        },
        "request_overhead": overhead,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(
        f"argon2id m={params['memory_cost_kib']} KiB t={params['time_cost']} p={params['parallelism']}: "
        f"{one:,.1f} verifies/s on 1 thread ({1000 / one:.1f} ms each), {many:,.1f}/s on {cores} threads"
    )
    print(
        f"request: unauthenticated p50 {overhead['unauthenticated_p50_ms']:.3f} ms, authenticated p50 "
        f"{overhead['authenticated_p50_ms']:.3f} ms, added {overhead['added_p50_ms']:.3f} ms "
        f"(target <= {TARGET_ADDED_MS} ms: {'MET' if overhead['met'] else 'MISS'}); "
        f"verify + revocation check alone {overhead['token_verify_plus_revocation_ms']:.3f} ms"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

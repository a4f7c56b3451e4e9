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


async def login_timing(rounds: int) -> dict[str, Any]:
    """Median sign-in latency for an unknown user, a wrong password and a disabled account, against the real
    auth app on a real PostgreSQL and nats-server: the three must be indistinguishable (ASVS 6.3.8)."""
    import tempfile

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from adpilot_auth.config import Settings
    from adpilot_auth.main import create_app
    from adpilot_common.devstack.nats import NatsServer
    from adpilot_common.devstack.ports import free_port
    from adpilot_common.devstack.postgres import PostgresServer
    from adpilot_common.migrate import upgrade
    from adpilot_common.testing.plugin import running

    with tempfile.TemporaryDirectory() as tmp:
        pg = PostgresServer(free_port(), Path(tmp) / "pg", Path(tmp) / "pg.log")
        nats = NatsServer(free_port(), Path(tmp) / "nats")
        pg.start()
        nats.start()
        try:
            pg.create_database("bench_auth")
            url = pg.url("bench_auth")
            await asyncio.to_thread(upgrade, "auth", url)
            settings = Settings(
                environment="test",
                database_url=url,
                nats_url=nats.url,
                login_failures_per_ip_per_minute=1_000_000,
                lockout_threshold=1_000_000,
            )
            app = create_app(settings)
            async with running(app):
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://auth") as c:
                    for email in ("known@example.com", "disabled@example.com"):
                        await c.post(
                            "/api/auth/register", json={"email": email, "password": "a long passphrase"}
                        )
                    engine = create_async_engine(url)
                    async with engine.begin() as conn:
                        await conn.execute(
                            text("UPDATE users SET disabled_at = now() WHERE email LIKE 'disabled%'")
                        )
                    await engine.dispose()
                    cases = {
                        "unknown_user": ("nobody@example.com", "a long passphrase"),
                        "wrong_password": ("known@example.com", "not the passphrase"),
                        "disabled_user": ("disabled@example.com", "a long passphrase"),
                    }
                    samples: dict[str, list[float]] = {name: [] for name in cases}
                    for _ in range(rounds):
                        for name, (email, password) in cases.items():
                            started = time.perf_counter()
                            response = await c.post(
                                "/api/auth/login", json={"email": email, "password": password}
                            )
                            samples[name].append((time.perf_counter() - started) * 1000)
                            assert response.status_code == 401, response.text
        finally:
            nats.stop()
            pg.remove()
    medians = {name: round(statistics.median(v), 2) for name, v in samples.items()}
    return {
        "rounds": rounds,
        "median_ms": medians,
        "max_median_gap_ms": round(max(medians.values()) - min(medians.values()), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--argon2-seconds", type=float, default=3.0)
    parser.add_argument("--login-rounds", type=int, default=30)
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
    timing = asyncio.run(login_timing(args.login_rounds))
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
        "login_failure_timing": timing,
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
    print(
        f"failed sign-in median latency (ms): {timing['median_ms']}; largest gap {timing['max_median_gap_ms']} ms"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

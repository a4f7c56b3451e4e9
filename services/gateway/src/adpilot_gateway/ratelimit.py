"""Rate limits at the front door, with the ``limits`` library: per signed-in user (the verified token's subject)
or, without a token, per client IP; sign-in is limited per IP on its own, more strictly.

The counters live in ``GATEWAY_RATE_LIMIT_STORAGE`` (``memory://`` by default, right for one gateway replica;
``redis://…`` shares them between replicas). The services keep their own limits (auth's per-account sign-in
back-off, ai-copy's per-user generation limit): these protect the whole API from floods."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from adpilot_common.problems import Problem

# Where guessing and account creation happen: limited per IP on their own, below the general limit.
LOGIN_PATHS = frozenset(
    {
        "/api/auth/login",
        "/api/auth/login/mfa",
        "/api/auth/register",
        "/api/auth/password/forgot",
        "/api/auth/password/reset",
    }
)


class RateLimits:
    def __init__(self, storage_uri: str, *, per_user: str, per_ip: str, login_per_ip: str) -> None:
        storage = storage_from_string(f"async+{storage_uri}")  # the asyncio flavour of the same backend
        assert isinstance(storage, Storage)
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_user: RateLimitItem = parse(per_user)
        self._per_ip: RateLimitItem = parse(per_ip)
        self._login: RateLimitItem = parse(login_per_ip)

    async def check(self, path: str, ip: str, user_id: str | None) -> None:
        """Count this request; a 429 problem with ``Retry-After`` when a limit is used up."""
        if path in LOGIN_PATHS:
            await self._hit(self._login, "login", ip)
        if user_id is not None:
            await self._hit(self._per_user, "user", user_id)
        else:
            await self._hit(self._per_ip, "ip", ip)

    async def _hit(self, item: RateLimitItem, *key: str) -> None:
        if await self._limiter.hit(item, *key):
            return
        stats = await self._limiter.get_window_stats(item, *key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise Problem(
            429,
            "Too many requests",
            f"Limit of {item} reached; try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )

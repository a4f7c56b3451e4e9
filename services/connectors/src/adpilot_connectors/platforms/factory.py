"""Builds the right :class:`AdPlatformClient` for a stored connection, from the settings in one place."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from adpilot_common.problems import Problem
from adpilot_connectors.config import Settings
from adpilot_connectors.platforms.base import AdPlatformClient, Credentials, Platform
from adpilot_connectors.platforms.sandbox import SandboxPlatform


def parse_platform(value: str) -> Platform:
    """The platform named in a URL or request, or a 404 problem listing the known ones."""
    try:
        return Platform(value)
    except ValueError:
        known = ", ".join(p.value for p in Platform)
        raise Problem(
            404, "Unknown platform", f"{value!r} is not a platform AdPilot supports ({known})."
        ) from None


def tiktok_ad_fields(settings: Settings) -> dict[str, str]:
    """The app-wide TikTok identity ads are published as, unless an ad names its own (of the same type)."""
    t = settings.tiktok
    fields = {"identity_type": t.identity_type}
    if t.identity_id:
        fields["identity_id"] = t.identity_id
    return fields


class PlatformClients:
    """One per process. Sandbox platforms are kept per connection so the simulated writes persist in memory;
    real clients are built per use and closed afterwards (they hold HTTP/gRPC connections)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sandboxes: dict[uuid.UUID, SandboxPlatform] = {}

    def is_available(self, platform: Platform) -> bool:
        s = self._settings
        return {
            Platform.GOOGLE: s.google.configured,
            Platform.META: s.meta.configured,
            Platform.TIKTOK: s.tiktok.configured,
            Platform.SANDBOX: s.sandbox.enabled,
        }[platform]

    def lookback_days(self, platform: Platform) -> int:
        s = self._settings
        return {
            Platform.GOOGLE: s.google.lookback_days,
            Platform.META: s.meta.lookback_days,
            Platform.TIKTOK: s.tiktok.lookback_days,
            Platform.SANDBOX: s.sandbox.lookback_days,
        }[platform]

    def sandbox(self, connection_id: uuid.UUID, org_id: uuid.UUID) -> SandboxPlatform:
        """The connection's simulated platform: its data is seeded by the org, so orgs see different accounts."""
        platform = self._sandboxes.get(connection_id)
        if platform is None:
            digest = hashlib.sha256(f"{self._settings.sandbox.seed}:{org_id}".encode()).digest()
            platform = SandboxPlatform(
                seed=int.from_bytes(digest[:4], "big"),
                accounts=self._settings.sandbox.accounts,
                restatement_days=self._settings.sandbox.lookback_days,
            )
            self._sandboxes[connection_id] = platform
        return platform

    @asynccontextmanager
    async def open(
        self,
        platform: Platform,
        credentials: Credentials,
        *,
        connection_id: uuid.UUID,
        org_id: uuid.UUID,
        advertiser_ids: list[str] | None = None,
    ) -> AsyncIterator[AdPlatformClient]:
        """A client for one connection, closed on exit."""
        client: Any
        if platform is Platform.SANDBOX:
            yield self.sandbox(connection_id, org_id)
            return
        s = self._settings
        if platform is Platform.GOOGLE:
            from adpilot_connectors.platforms.google_ads import GoogleAdsPlatformClient

            assert s.google.developer_token is not None and s.google.client_secret is not None
            client = GoogleAdsPlatformClient(
                credentials,
                developer_token=s.google.developer_token.get_secret_value(),
                client_id=s.google.client_id,
                client_secret=s.google.client_secret.get_secret_value(),
                token_uri=s.google.token_url,
                endpoint=s.google.api_endpoint,
            )
        elif platform is Platform.META:
            from adpilot_connectors.platforms.meta import MetaClient

            assert s.meta.app_id is not None and s.meta.app_secret is not None
            client = MetaClient(
                credentials,
                app_id=s.meta.app_id,
                app_secret=s.meta.app_secret.get_secret_value(),
                api_version=s.meta.api_version,
                graph_url=s.meta.graph_url,
                page_id=s.meta.page_id,
            )
        else:
            from adpilot_connectors.platforms.tiktok import TikTokClient

            assert s.tiktok.app_id is not None
            client = TikTokClient(
                credentials,
                app_id=s.tiktok.app_id,
                app_secret=s.tiktok.app_secret.get_secret_value() if s.tiktok.app_secret else None,
                advertiser_ids=advertiser_ids,
                base_url=s.tiktok.base_url,
                ad_fields=tiktok_ad_fields(s),
            )
        try:
            yield client
        finally:
            close = getattr(client, "aclose", None)
            if close is not None:
                await close()

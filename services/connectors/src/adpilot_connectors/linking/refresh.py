"""Keeping platform tokens alive, and what the sync and write runners call when a token is in trouble.

Public API:

* :func:`refresh_connection` ``(connectors, connection_id, *, force=False) -> Credentials`` - credentials to use
  now. Renews the token first when it is close to expiry (Google: ``refresh_token`` grant; Meta: re-extension
  with ``fb_exchange_token``), or always with ``force=True`` (e.g. the platform just refused a token we thought
  valid); otherwise returns the stored ones. Raises ``ReconnectRequired`` when only a new consent helps (the
  connection is flagged and ``connector.v1.health_changed`` staged before it raises) and
  ``TransientPlatformError`` when the platform could not be reached (nothing changed; try again later). It runs
  its own short transaction and waits for a concurrent refresh of the same row instead of refreshing twice.
* :func:`mark_reconnect_required` ``(session, connection_id, reason) -> bool`` - in the caller's transaction,
  flag the connection ``reconnect_required`` with ``reason`` (shown to users: never a token) and stage the health
  event; call it when a platform client raises ``ReconnectRequired``. Idempotent: False, and no second event,
  when it was flagged already. Linking the login again clears the flag.
* :func:`check_tokens` - the scheduled job (tick ``connectors.token_check``): renews every active token that
  expires within ``token_refresh_margin_s`` (Meta: within ``token_expiry_warning_days`` + 1 day, at most once a
  day, mureo's "re-extend the 60-day token around day 53"), flags refused and expired ones, and warns once per
  expiry about tokens that will expire and cannot be renewed (``expires_soon``).

Network calls never run in the schedule consumer's transaction: each connection gets its own short transaction
that locks its row with ``FOR UPDATE SKIP LOCKED``, so two replicas (or a runner's on-demand refresh) never
renew the same token twice. A transient failure leaves the row as it was and the next tick tries again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.crypto import SecretBox
from adpilot_common.events.contracts.schedule import ScheduleTick
from adpilot_common.logging import get_logger
from adpilot_connectors.config import Settings
from adpilot_connectors.context import Connectors
from adpilot_connectors.credentials import credentials_of, store_credentials, unseal
from adpilot_connectors.linking import events, oauth
from adpilot_connectors.linking.health import expired, health_of
from adpilot_connectors.linking.oauth import OAuthRefused, OAuthUnavailable
from adpilot_connectors.models import ConnectionStatus, PlatformConnection
from adpilot_connectors.platforms.base import Credentials, Platform, ReconnectRequired, TransientPlatformError

__all__ = ["check_tokens", "mark_reconnect_required", "refresh_connection"]

log = get_logger(__name__)

# A Meta re-extension that did not move the expiry (Meta may refuse to extend) is not retried for a day.
META_RETRY_AFTER = timedelta(days=1)
EXPIRED_REASON = "The access token expired and cannot be renewed; link the login again."


def _meta_lead(settings: Settings) -> timedelta:
    # A day before the user would be warned, so a working re-extension never shows "expires soon".
    return timedelta(days=settings.token_expiry_warning_days + 1)


def _horizon(settings: Settings) -> timedelta:
    return max(timedelta(seconds=settings.token_refresh_margin_s), _meta_lead(settings))


def _can_renew(connection: PlatformConnection, now: datetime) -> bool:
    if connection.platform == Platform.GOOGLE.value:
        return connection.refresh_token_encrypted is not None
    if connection.platform == Platform.META.value:
        exp = connection.token_expires_at
        return exp is not None and exp > now  # an expired Meta token cannot be re-extended
    return False  # TikTok and sandbox tokens do not expire


def _renewal_due(connection: PlatformConnection, now: datetime, settings: Settings) -> bool:
    exp = connection.token_expires_at
    if connection.status != ConnectionStatus.ACTIVE or exp is None or not _can_renew(connection, now):
        return False
    if connection.platform == Platform.META.value:
        last = connection.last_refreshed_at
        recently = last is not None and now - last < META_RETRY_AFTER
        return exp - now <= max(
            _meta_lead(settings), timedelta(seconds=settings.token_refresh_margin_s)
        ) and (not recently)
    return exp - now <= timedelta(seconds=settings.token_refresh_margin_s)


async def _renew(settings: Settings, box: SecretBox, connection: PlatformConnection) -> Credentials:
    """One network call to the platform's token endpoint (raises OAuthRefused / OAuthUnavailable)."""
    if connection.platform == Platform.GOOGLE.value:
        assert connection.refresh_token_encrypted is not None
        return await oauth.refresh_google_token(settings, unseal(box, connection.refresh_token_encrypted))
    return await oauth.extend_meta_token(settings, unseal(box, connection.access_token_encrypted))


def _store(connection: PlatformConnection, box: SecretBox, credentials: Credentials, now: datetime) -> None:
    store_credentials(connection, box, credentials)  # keeps the stored refresh token when none came back
    connection.last_refreshed_at = now
    log.info(
        "platform token renewed",
        connection_id=str(connection.id),
        platform=connection.platform,
        expires_at=connection.token_expires_at.isoformat() if connection.token_expires_at else None,
    )


async def _flag(session: AsyncSession, connection: PlatformConnection, reason: str) -> bool:
    if connection.status == ConnectionStatus.RECONNECT_REQUIRED:
        return False
    connection.status = ConnectionStatus.RECONNECT_REQUIRED
    connection.status_reason = reason[: events.REASON_MAX]
    await events.health_changed(session, connection, "reconnect_required", reason)
    log.warning(
        "platform connection needs reconnecting",
        connection_id=str(connection.id),
        org_id=str(connection.org_id),
        platform=connection.platform,
        reason=reason[: events.REASON_MAX],
    )
    return True


async def mark_reconnect_required(session: AsyncSession, connection_id: uuid.UUID, reason: str) -> bool:
    """Flag the connection in the caller's transaction; True when it changed (and the event was staged)."""
    connection = (
        await session.execute(
            select(PlatformConnection).where(PlatformConnection.id == connection_id).with_for_update()
        )
    ).scalar_one_or_none()
    if connection is None:
        return False
    return await _flag(session, connection, reason)


async def refresh_connection(
    connectors: Connectors, connection_id: uuid.UUID, *, force: bool = False
) -> Credentials:
    """Credentials to use now, renewed first when close to expiry (or ``force``); see the module docstring."""
    settings, box = connectors.settings, connectors.box
    now = datetime.now(UTC)
    reconnect: str | None = None
    async with connectors.sessions() as session, session.begin():
        # A plain FOR UPDATE: if a replica is renewing this very token, wait and use its result.
        connection = (
            await session.execute(
                select(PlatformConnection).where(PlatformConnection.id == connection_id).with_for_update()
            )
        ).scalar_one_or_none()
        if connection is None:
            raise ReconnectRequired("The connection no longer exists; link the login again.")
        if connection.status == ConnectionStatus.RECONNECT_REQUIRED:
            raise ReconnectRequired(connection.status_reason or "Link the login again.")
        if expired(connection, now):
            reconnect = EXPIRED_REASON
            await _flag(session, connection, reconnect)
        elif (force and _can_renew(connection, now)) or _renewal_due(connection, now, settings):
            try:
                _store(connection, box, await _renew(settings, box, connection), now)
            except OAuthRefused as exc:
                reconnect = str(exc)
                await _flag(session, connection, reconnect)
            except OAuthUnavailable as exc:
                raise TransientPlatformError(str(exc)) from None
        credentials = credentials_of(connection, box)
    if reconnect is not None:  # raised after the commit, so the flag and its event are kept
        raise ReconnectRequired(reconnect)
    return credentials


async def _check_one(connectors: Connectors, connection_id: uuid.UUID, now: datetime) -> None:
    settings, box = connectors.settings, connectors.box
    async with connectors.sessions() as session, session.begin():
        connection = (
            await session.execute(
                select(PlatformConnection)
                .where(PlatformConnection.id == connection_id)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if connection is None or connection.status != ConnectionStatus.ACTIVE:
            return  # gone, flagged, or another replica holds it right now
        if _renewal_due(connection, now, settings):
            try:
                _store(connection, box, await _renew(settings, box, connection), now)
            except OAuthRefused as exc:
                await _flag(session, connection, str(exc))
                return
            except OAuthUnavailable as exc:
                log.warning(
                    "platform token renewal failed; retrying next check",
                    connection_id=str(connection.id),
                    platform=connection.platform,
                    error=str(exc),
                )
        if expired(connection, now):
            await _flag(session, connection, EXPIRED_REASON)
            return
        exp = connection.token_expires_at
        if health_of(connection, now, settings) == "expires_soon" and connection.expiry_warned_for != exp:
            assert exp is not None
            connection.expiry_warned_for = exp  # one warning per expiry, however many checks see it
            await events.health_changed(
                session,
                connection,
                "expires_soon",
                f"The access token expires on {exp.date().isoformat()}; link the login again before then.",
            )


async def check_tokens(session: AsyncSession, connectors: Connectors, tick: ScheduleTick) -> None:
    """The ``connectors.token_check`` job; ``session`` (the consumer's) is only read from."""
    now = datetime.now(UTC)
    candidates = (
        await session.execute(
            select(PlatformConnection.id)
            .where(
                PlatformConnection.status == ConnectionStatus.ACTIVE,
                PlatformConnection.token_expires_at.is_not(None),
                PlatformConnection.token_expires_at <= now + _horizon(connectors.settings),
            )
            .order_by(PlatformConnection.token_expires_at)
        )
    ).scalars()
    for connection_id in list(candidates):
        try:
            await _check_one(connectors, connection_id, now)
        except Exception as exc:  # one broken row (e.g. an undecryptable token) must not stop the others
            log.error("token check failed", connection_id=str(connection_id), error=type(exc).__name__)

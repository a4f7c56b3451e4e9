"""A user's own destinations in the active org: add (a code is sent), verify with the code, resend, remove."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from adpilot_common.audit import Audit
from adpilot_common.dependencies import DbSession as Session
from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Viewer, org_of
from adpilot_common.security.tokens import AccessClaims
from adpilot_notify.channels.registry import missing_settings
from adpilot_notify.config import Settings
from adpilot_notify.deliveries import repository
from adpilot_notify.destinations.addresses import InvalidAddress, normalise
from adpilot_notify.destinations.codes import code_hash, code_matches, new_code
from adpilot_notify.destinations.schemas import CodeIn, DestinationIn, DestinationList, DestinationOut
from adpilot_notify.models import Destination

router = APIRouter(prefix="/api/notify/destinations")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def _out(d: Destination) -> DestinationOut:
    return DestinationOut(
        id=d.id,
        channel=d.channel,
        address=d.address,
        verified=d.verified_at is not None,
        verified_at=d.verified_at,
        created_at=d.created_at,
    )


async def _own(session: Session, caller: AccessClaims, destination_id: uuid.UUID) -> Destination:
    d = await session.scalar(
        select(Destination).where(
            Destination.id == destination_id,
            Destination.org_id == org_of(caller),
            Destination.user_id == caller.user_id,
        )
    )
    if d is None:
        raise Problem(404, "Destination not found", f"No destination {destination_id}.")
    return d


async def _audit(session: Session, audit: Audit, action: str, d: Destination) -> None:
    """Where the user's notifications (the org's alerts and reports) go: an entry in the org's audit log."""
    await audit.record(session, action, "destination", d.id, {"channel": d.channel, "address": d.address})


async def _send_code(session: Session, settings: Settings, d: Destination) -> None:
    if d.code_expires_at is not None:
        issued = d.code_expires_at - timedelta(seconds=settings.code_ttl_s)
        wait = settings.code_resend_interval_s - (datetime.now(UTC) - issued).total_seconds()
        if wait > 0:
            raise Problem(
                429,
                "Too many codes",
                "A code was sent moments ago.",
                headers={"Retry-After": str(int(wait) + 1)},
            )
    code = new_code()
    d.code_hash = code_hash(settings.code_hmac_key.get_secret_value(), d.id, code)
    d.code_expires_at = datetime.now(UTC) + timedelta(seconds=settings.code_ttl_s)
    d.code_attempts = 0
    await session.flush()
    await repository.enqueue(
        session,
        event_id=uuid.uuid4(),
        event_type="notify.destination_code",
        org_id=d.org_id,
        user_id=d.user_id,
        channel=d.channel,
        destination=d.address,
        template="destination_code",
        context={"code": code, "minutes": settings.code_ttl_s // 60},
        locale=settings.default_locale,
        urgent=True,
    )


@router.get("")
async def list_destinations(caller: Viewer, session: Session) -> DestinationList:
    rows = await session.scalars(
        select(Destination)
        .where(Destination.org_id == org_of(caller), Destination.user_id == caller.user_id)
        .order_by(Destination.created_at)
    )
    return DestinationList(items=[_out(d) for d in rows])


def _already_added(destination_id: uuid.UUID | None, address: str) -> Problem:
    """``destination_id`` is None only if the other request's row was removed again in between."""
    extensions: dict[str, Any] = {"destination_id": str(destination_id)} if destination_id else {}
    return Problem(
        409,
        "Destination already exists",
        f"{address} is already one of your destinations: verify it with its code, or ask for a new code.",
        **extensions,
    )


@router.post("", status_code=201, responses={409: {}, 422: {}})
async def add_destination(
    body: DestinationIn, caller: Viewer, session: Session, request: Request, audit: Audit
) -> DestinationOut:
    """Add an address and send it a code. An address the caller already has is a 409 with its
    ``destination_id`` (a new code comes from ``POST .../resend``), whether added earlier or concurrently."""
    settings = _settings(request)
    if missing_settings(settings, body.channel):  # GET /api/notify/channels tells clients beforehand
        raise Problem(422, "Channel not available", f"{body.channel} is not configured on this server.")
    try:
        address = normalise(body.channel, body.address)
    except InvalidAddress as exc:
        raise Problem(422, "Invalid address", str(exc)) from None
    key = {"org_id": org_of(caller), "user_id": caller.user_id, "channel": body.channel, "address": address}
    # ON CONFLICT DO NOTHING: a concurrent add of the same address waits for the other transaction and then
    # inserts nothing, instead of failing on uq_destinations_address.
    d = await session.scalar(
        insert(Destination)
        .values(id=uuid.uuid4(), code_attempts=0, created_at=datetime.now(UTC), **key)
        .on_conflict_do_nothing(constraint="uq_destinations_address")
        .returning(Destination)
    )
    if d is None:
        raise _already_added(await session.scalar(select(Destination.id).filter_by(**key)), address)
    await _send_code(session, settings, d)
    await _audit(session, audit, "destination.added", d)
    return _out(d)


@router.post("/{destination_id}/verify")
async def verify_destination(
    destination_id: uuid.UUID, body: CodeIn, caller: Viewer, session: Session, request: Request, audit: Audit
) -> DestinationOut:
    settings = _settings(request)
    d = await _own(session, caller, destination_id)
    if d.verified_at is not None:
        return _out(d)
    if d.code_hash is None or d.code_expires_at is None or d.code_expires_at <= datetime.now(UTC):
        raise Problem(422, "Code expired", "Request a new code with POST .../resend.")
    # Count the attempt first, in its own committed transaction: a failed guess must count even though this
    # request fails, and concurrent guesses cannot exceed the limit.
    sessions = request.app.state.runtime.sessions
    async with sessions() as counter, counter.begin():
        used = await counter.scalar(
            update(Destination)
            .where(Destination.id == d.id, Destination.code_attempts < settings.code_max_attempts)
            .values(code_attempts=Destination.code_attempts + 1)
            .returning(Destination.code_attempts)
        )
    if used is None:
        raise Problem(429, "Too many attempts", "Request a new code with POST .../resend.")
    if not code_matches(settings.code_hmac_key.get_secret_value(), d.id, body.code, d.code_hash):
        left = max(0, settings.code_max_attempts - used)
        raise Problem(422, "Wrong code", "The code does not match.", attempts_left=left)
    d.verified_at = datetime.now(UTC)
    d.code_hash = None
    d.code_expires_at = None
    await _audit(session, audit, "destination.verified", d)
    return _out(d)


@router.post("/{destination_id}/resend", status_code=202)
async def resend_code(
    destination_id: uuid.UUID, caller: Viewer, session: Session, request: Request
) -> DestinationOut:
    d = await _own(session, caller, destination_id)
    if d.verified_at is not None:
        raise Problem(409, "Already verified")
    await _send_code(session, _settings(request), d)
    return _out(d)


@router.delete("/{destination_id}", status_code=204)
async def delete_destination(
    destination_id: uuid.UUID, caller: Viewer, session: Session, audit: Audit
) -> Response:
    d = await _own(session, caller, destination_id)
    await _audit(session, audit, "destination.removed", d)
    await session.delete(d)
    return Response(status_code=204)

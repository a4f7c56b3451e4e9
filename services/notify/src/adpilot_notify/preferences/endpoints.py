"""The caller's notification preferences in the active org (org from the token)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from adpilot_common.audit import Audit, changed
from adpilot_common.dependencies import DbSession as Session
from adpilot_common.security.dependencies import Viewer, org_of
from adpilot_notify.models import Preference, Subscription
from adpilot_notify.preferences.schemas import PreferencesIn, PreferencesOut, QuietHours, SubscriptionIn

router = APIRouter(prefix="/api/notify/preferences")
AUDITED = set(PreferencesIn.model_fields)  # every field a caller can set


@router.get("")
async def get_preferences(caller: Viewer, session: Session) -> PreferencesOut:
    org = org_of(caller)
    pref = await session.get(Preference, (org, caller.user_id))
    subs = await session.scalars(
        select(Subscription)
        .where(Subscription.org_id == org, Subscription.user_id == caller.user_id)
        .order_by(Subscription.event_type, Subscription.channel)
    )
    subscriptions = [SubscriptionIn(event_type=s.event_type, channel=s.channel) for s in subs]
    if pref is None:
        return PreferencesOut(subscriptions=subscriptions)
    quiet = (
        QuietHours(start=pref.quiet_start, end=pref.quiet_end)
        if pref.quiet_start is not None and pref.quiet_end is not None
        else None
    )
    return PreferencesOut(
        time_zone=pref.time_zone,
        quiet_hours=quiet,
        digest=pref.digest,
        locale=pref.locale,
        subscriptions=subscriptions,
    )


@router.put("")
async def put_preferences(
    body: PreferencesIn, caller: Viewer, session: Session, audit: Audit
) -> PreferencesOut:
    org = org_of(caller)
    before = await get_preferences(caller, session)
    values = dict(
        time_zone=body.time_zone,
        quiet_start=body.quiet_hours.start if body.quiet_hours else None,
        quiet_end=body.quiet_hours.end if body.quiet_hours else None,
        digest=body.digest,
        locale=body.locale,
    )
    await session.execute(
        insert(Preference)
        .values(org_id=org, user_id=caller.user_id, **values)
        .on_conflict_do_update(index_elements=["org_id", "user_id"], set_=values)
    )
    await session.execute(
        delete(Subscription).where(Subscription.org_id == org, Subscription.user_id == caller.user_id)
    )
    unique = {(s.event_type, s.channel) for s in body.subscriptions}
    for event_type, channel in sorted(unique):
        session.add(Subscription(org_id=org, user_id=caller.user_id, event_type=event_type, channel=channel))
    await session.flush()
    session.expire_all()
    after = await get_preferences(caller, session)
    # What changed (subscriptions as a whole list), on the user's own preferences in this org.
    changes = changed(
        before.model_dump(mode="json", include=AUDITED), after.model_dump(mode="json", include=AUDITED)
    )
    if changes:
        await audit.record(
            session, "notification_preferences.updated", "notification_preferences", caller.user_id, changes
        )
    return after

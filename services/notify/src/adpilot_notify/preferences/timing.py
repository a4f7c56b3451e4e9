"""When a message may go out: quiet hours (local time of the user's IANA zone) and digest windows."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAILY_DIGEST_AT = time(8, 0)  # the daily digest arrives at 08:00 local time


def quiet_until(now: datetime, zone: str, start: time | None, end: time | None) -> datetime | None:
    """If ``now`` falls in the quiet hours [start, end) (local, may span midnight), the instant they end."""
    if start is None or end is None or start == end:
        return None
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:  # e.g. 22:00-07:00
        inside = t >= start or t < end
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz)


def deliverable_at(now: datetime, zone: str, start: time | None, end: time | None) -> datetime:
    return quiet_until(now, zone, start, end) or now


def digest_window(now: datetime, zone: str, digest: str) -> tuple[datetime, datetime]:
    """The [start, end) window of the digest ``now`` belongs to; it is sent at ``end``."""
    if digest == "hourly":
        start = now.astimezone(ZoneInfo("UTC")).replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    today = datetime.combine(local.date(), DAILY_DIGEST_AT, tzinfo=tz)
    start = (
        today
        if local >= today
        else datetime.combine(local.date() - timedelta(days=1), DAILY_DIGEST_AT, tzinfo=tz)
    )
    return start, datetime.combine(start.date() + timedelta(days=1), DAILY_DIGEST_AT, tzinfo=tz)

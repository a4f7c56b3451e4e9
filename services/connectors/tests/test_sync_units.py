"""The sync's pure parts: metrics windows, the batch envelope, change events, error classification."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import DataError, OperationalError

from adpilot_common.events.contracts.metrics import MetricsFetched
from adpilot_connectors.platforms.base import (
    DailyMetric,
    InvalidRequest,
    Platform,
    PlatformError,
    RateLimited,
    ReconnectRequired,
    TransientPlatformError,
)
from adpilot_connectors.platforms.sandbox import SandboxPlatform
from adpilot_connectors.sync.errors import backoff_s, classify, redact
from adpilot_connectors.sync.metrics import (
    MetricsWindow,
    account_today,
    batch_event_id,
    metrics_event,
    plan_window,
)
from adpilot_connectors.sync.structure import MirrorDiff, campaign_events, fingerprint
from adpilot_connectors.sync.target import SyncTarget

TODAY = date(2026, 6, 17)
TARGET = SyncTarget(
    run_id=uuid.UUID(int=1),
    org_id=uuid.UUID(int=2),
    trigger="schedule",
    account_id=uuid.UUID(int=3),
    external_account_id="sbx-001",
    account_name="Sandbox EU",
    platform=Platform.SANDBOX,
    currency="EUR",
    time_zone="Europe/Berlin",
    lookback_days=3,
    synced_through=None,
    connection_id=uuid.UUID(int=4),
    metrics_from=None,
    metrics_to=None,
)


def test_the_first_sync_backfills_and_later_ones_refetch_the_lookback() -> None:
    first = plan_window(TARGET, TODAY, initial_backfill_days=90)
    assert (first.start, first.end, first.provisional_from) == (
        TODAY - timedelta(days=89),
        TODAY,
        date(2026, 6, 14),
    )
    assert first.complete_through == date(2026, 6, 16)

    later = plan_window(replace(TARGET, synced_through=date(2026, 6, 16)), TODAY, 90)
    assert (later.start, later.end, later.provisional_from) == (date(2026, 6, 14), TODAY, date(2026, 6, 14))
    # A week without syncs: from the day after the cursor, minus the lookback; nothing is skipped.
    behind = plan_window(replace(TARGET, synced_through=date(2026, 6, 9)), TODAY, 90)
    assert behind.start == date(2026, 6, 7)
    # No lookback: today only (it is partial, so it is fetched again next time anyway).
    none = plan_window(replace(TARGET, synced_through=date(2026, 6, 16), lookback_days=0), TODAY, 90)
    assert (none.start, none.end) == (TODAY, TODAY)
    # A cursor ahead of the account's today (its time zone changed): never an empty or inverted window.
    ahead = plan_window(replace(TARGET, synced_through=date(2026, 6, 20)), TODAY, 90)
    assert (ahead.start, ahead.end) == (TODAY, TODAY)


def test_today_is_the_accounts_local_day() -> None:
    late_evening_utc = datetime(2026, 6, 17, 23, 30, tzinfo=UTC)
    client = object()  # a client without its own clock
    assert account_today(client, TARGET, late_evening_utc) == date(2026, 6, 18)  # type: ignore[arg-type]
    la = replace(TARGET, time_zone="America/Los_Angeles")
    assert account_today(client, la, late_evening_utc) == date(2026, 6, 17)  # type: ignore[arg-type]
    broken = replace(TARGET, time_zone="Mars/Olympus_Mons")
    assert account_today(client, broken, late_evening_utc) == date(2026, 6, 17)  # type: ignore[arg-type]
    # The sandbox keeps its own (pinnable) clock.
    assert account_today(SandboxPlatform(accounts=1, today=TODAY), TARGET, late_evening_utc) == TODAY


async def test_a_batch_envelope_is_exactly_what_the_contract_model_would_dump() -> None:
    sandbox = SandboxPlatform(accounts=1, today=TODAY)
    (account,) = await sandbox.list_accounts()
    batch = [
        r
        async for b in sandbox.fetch_daily_metrics(account.external_id, TODAY - timedelta(days=60), TODAY)
        for r in b
    ][:1000]
    window = MetricsWindow(TODAY - timedelta(days=20), TODAY, date(2026, 6, 14))
    event = metrics_event(TARGET, window, batch, batch_event_id(TARGET.run_id, 0))

    assert (
        event.type == "metrics.v1.fetched" and event.org_id == TARGET.org_id and event.source == "connectors"
    )
    assert event.id == batch_event_id(TARGET.run_id, 0) != batch_event_id(TARGET.run_id, 1)
    model = MetricsFetched.model_validate(event.data)
    assert event.data == model.model_dump(mode="json")
    assert len(model.rows) == len(batch) == 1000
    assert model.rows[7]["conversions"] == batch[7].conversions and model.rows[7]["day"] == batch[7].day
    assert (model.provisional_from, model.currency, model.time_zone) == (
        date(2026, 6, 14),
        "EUR",
        "Europe/Berlin",
    )
    assert event.from_bytes(event.to_bytes()).data == event.data


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"clicks": -1}, "negative"),
        ({"spend_micros": -5}, "negative"),
        ({"conversions": Decimal("-0.5")}, "negative"),
        ({"impressions": -2}, "negative"),
        ({"ad_id": "9" * 129}, "over 128 characters"),
        ({"campaign_id": "9" * 129}, "over 128 characters"),
    ],
)
def test_a_batch_breaking_the_contract_is_refused(change: dict[str, object], error: str) -> None:
    row = DailyMetric("a", "c", "g", "ad", TODAY, "EUR", 10, 1, 100, Decimal("0.5"), 0)
    window = MetricsWindow(TODAY, TODAY, TODAY)
    with pytest.raises(ValueError, match=error):
        metrics_event(TARGET, window, [row, replace(row, **change)], uuid.uuid4())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at most 1000"):
        metrics_event(TARGET, window, [row] * 1001, uuid.uuid4())


def test_campaign_changes_become_one_event_each() -> None:
    base = {"name": "Brand", "status": "ENABLED", "objective": "SALES", "daily_budget_micros": 10_000_000}
    assert fingerprint(base) == fingerprint(dict(reversed(base.items())))
    assert fingerprint(base) != fingerprint({**base, "status": "PAUSED"})
    ids = [uuid.uuid4() for _ in range(4)]
    diff = MirrorDiff(
        inserted=[(ids[0], "c1", base)],
        changed=[
            (ids[1], "c2", base, {**base, "status": "PAUSED"}),
            (ids[2], "c3", base, {**base, "name": "Brand 2", "daily_budget_micros": 20_000_000}),
            (ids[3], "c4", base, {**base, "status": "REMOVED", "objective": "LEADS"}),
        ],
    )
    events = campaign_events(TARGET, diff)
    summary = [
        (e.type, e.data["external_id"], e.data.get("changed"), e.data.get("previous_status")) for e in events
    ]
    assert summary == [
        ("campaign.v1.created", "c1", None, None),
        ("campaign.v1.status_changed", "c2", None, "ENABLED"),
        ("campaign.v1.updated", "c3", ["name", "daily_budget_micros"], None),
        ("campaign.v1.status_changed", "c4", None, "ENABLED"),
        ("campaign.v1.updated", "c4", ["objective"], None),
    ]
    assert all(e.data["currency"] == "EUR" and e.data["account_id"] == str(TARGET.account_id) for e in events)
    assert events[0].data["campaign_id"] == str(ids[0])


def test_errors_are_classified_and_bounded() -> None:
    assert classify(ReconnectRequired("revoked")).kind == "reconnect_required"
    limited = classify(RateLimited("slow down", retry_after_s=90, scope="developer_token"))
    assert (limited.kind, limited.retry_after_s, limited.scope, limited.retryable) == (
        "rate_limited",
        90,
        "developer_token",
        False,
    )
    assert classify(TransientPlatformError("503")).retryable
    assert classify(TransientPlatformError("503")).kind == "platform_error"
    assert classify(InvalidRequest("bad field")).kind == "invalid_request"
    assert classify(PlatformError("odd")).kind == "platform_error"
    assert classify(OperationalError("SELECT 1", {}, ConnectionResetError())).retryable  # our DB blinked
    bug = classify(KeyError("campaign_id"))
    assert (bug.kind, bug.retryable) == ("internal", False) and bug.message.startswith(
        "Internal error (KeyError)"
    )
    assert len(classify(InvalidRequest("x" * 5000)).message) == 2000
    assert [backoff_s(n) for n in (1, 2, 3, 10)] == [5.0, 10.0, 20.0, 300.0]


def test_our_own_errors_say_what_failed_without_the_sql_or_its_parameters() -> None:
    statement = "UPDATE campaigns SET daily_budget_micros=$1::BIGINT WHERE campaigns.id = $2::UUID"
    driver = ValueError(
        "invalid input for query argument $1: 1000000000000000000000000000000 (value out of int64 range)"
    )
    for exc in (
        DataError(statement, (10**30, "4f1c0d4e-0000-4000-8000-000000000000"), driver),
        OperationalError(statement, (10**30,), ConnectionResetError("reset by peer")),
    ):
        failure = classify(exc)
        assert failure.kind == "internal"
        assert failure.message.startswith(f"Internal error ({type(exc).__name__}): ")
        for leaked in ("UPDATE", "SQL", "BIGINT", "1000000000", "4f1c0d4e", "parameters", "reset by peer"):
            assert leaked not in failure.message, failure.message


def test_secrets_are_redacted() -> None:
    token = "ya29.a0AfB_secret-token"
    text = (
        f"POST https://graph.example/act_1?access_token={token}&x=1 failed; "
        f"Authorization: Bearer {token}; body {{'refresh_token': 'rt-123456'}} client_secret=abc123; Access-Token: tt-999"
    )
    cleaned = redact(text, [token, None, "short"])
    for secret in (token, "rt-123456", "abc123", "tt-999"):
        assert secret not in cleaned
    assert "access_token=[redacted]" in cleaned and "x=1" in cleaned

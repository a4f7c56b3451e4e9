"""metrics.v1.fetched on JetStream → facts (partitioned), incrementally maintained rollups, metrics.v1.updated."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adpilot_common.events.contracts.metrics import MetricRow, MetricsUpdated
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.testing.plugin import running
from adpilot_common.testing.tokens import TestTokenIssuer
from adpilot_common.testing.waiting import eventually
from adpilot_metrics.config import Settings
from adpilot_metrics.ingestion.partitions import MONTHS_AHEAD, month_start
from adpilot_metrics.main import create_app

from .conftest import CONSUMER, MetricsService, fetched, row

ORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
ACCOUNT = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
D1, D2, D3 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)


async def last_updated(js: JetStreamContext) -> EventEnvelope:
    found: list[EventEnvelope] = []

    async def published() -> bool:
        try:
            msg = await js.get_last_msg("METRICS", "metrics.v1.updated")
        except NotFoundError:
            return False
        found.append(EventEnvelope.from_bytes(msg.data))
        return True

    await eventually(published)
    return found[-1]


async def test_batch_becomes_facts_rollups_and_an_update_event(metrics_service: MetricsService) -> None:
    event = fetched(
        ORG,
        ACCOUNT,
        [
            row("c1", D1, 1),  # campaign-level row
            row("c1", D2, 2),
            row("c2", D2, 3, ad_group="g1", ad="a1"),
            row("c2", D2, 4, ad_group="g1", ad="a2"),
            row("c2", D3, 99, ad_group="g1", ad="a2"),
            row("c2", D3, 5, ad_group="g1", ad="a2"),  # same key again in one batch: the last one wins
        ],
        provisional_from=D2,
    )
    await metrics_service.publish(event)
    await metrics_service.settled()

    facts = await metrics_service.rows(
        "SELECT org_id, account_id, campaign_id, ad_group_id, ad_id, day, platform, currency, impressions, "
        "clicks, spend_micros, conversions, conversion_value_micros, provisional FROM metric_facts "
        "ORDER BY campaign_id, ad_group_id, ad_id, day"
    )
    assert [(f["campaign_id"], f["ad_group_id"], f["ad_id"], f["day"], f["impressions"]) for f in facts] == [
        ("c1", "", "", D1, 1000),
        ("c1", "", "", D2, 2000),
        ("c2", "g1", "a1", D2, 3000),
        ("c2", "g1", "a2", D2, 4000),
        ("c2", "g1", "a2", D3, 5000),
    ]
    c1d1 = facts[0]
    assert c1d1["org_id"] == ORG and c1d1["account_id"] == ACCOUNT
    assert (c1d1["platform"], c1d1["currency"]) == ("sandbox", "EUR")
    assert (c1d1["clicks"], c1d1["spend_micros"], c1d1["conversion_value_micros"]) == (
        10,
        1_000_000,
        5_000_000,
    )
    assert c1d1["conversions"] == Decimal("0.5")
    assert [f["provisional"] for f in facts] == [False, True, True, True, True]

    campaigns = await metrics_service.rows(
        "SELECT campaign_id, day, impressions, spend_micros, conversions, provisional, currency "
        "FROM daily_campaign_rollups ORDER BY campaign_id, day"
    )
    assert campaigns == [
        {"campaign_id": "c1", "day": D1, "impressions": 1000, "spend_micros": 1_000_000,
         "conversions": Decimal("0.5"), "provisional": False, "currency": "EUR"},
        {"campaign_id": "c1", "day": D2, "impressions": 2000, "spend_micros": 2_000_000,
         "conversions": Decimal("1"), "provisional": True, "currency": "EUR"},
        {"campaign_id": "c2", "day": D2, "impressions": 7000, "spend_micros": 7_000_000,
         "conversions": Decimal("3.5"), "provisional": True, "currency": "EUR"},
        {"campaign_id": "c2", "day": D3, "impressions": 5000, "spend_micros": 5_000_000,
         "conversions": Decimal("2.5"), "provisional": True, "currency": "EUR"},
    ]  # fmt: skip
    accounts = await metrics_service.rows(
        "SELECT day, impressions, clicks, provisional FROM daily_account_rollups ORDER BY day"
    )
    assert accounts == [
        {"day": D1, "impressions": 1000, "clicks": 10, "provisional": False},
        {"day": D2, "impressions": 9000, "clicks": 90, "provisional": True},
        {"day": D3, "impressions": 5000, "clicks": 50, "provisional": True},
    ]
    await metrics_service.assert_rollups_match_facts()

    updated = await last_updated(metrics_service.js)
    assert updated.org_id == ORG and updated.source == "metrics"
    assert MetricsUpdated.model_validate(updated.data) == MetricsUpdated(
        account_id=ACCOUNT,
        platform="sandbox",
        campaigns=["c1", "c2"],
        date_from=D1,
        date_to=D3,
        rows=5,
        provisional_from=D2,
    )


async def test_a_redelivered_event_is_counted_once(metrics_service: MetricsService) -> None:
    event = fetched(ORG, ACCOUNT, [row("c1", D1, 1), row("c1", D2, 2)])
    await metrics_service.publish(event)
    # A different Nats-Msg-Id gets past JetStream's de-duplication: the consumer really sees it twice.
    await metrics_service.publish(event, msg_id="second-copy")
    await metrics_service.settled()

    assert await metrics_service.rows("SELECT day, impressions FROM daily_account_rollups ORDER BY day") == [
        {"day": D1, "impressions": 1000},
        {"day": D2, "impressions": 2000},
    ]
    assert await metrics_service.scalar("SELECT count(*) FROM metric_facts") == 2
    await metrics_service.assert_rollups_match_facts()


async def test_a_restated_day_replaces_its_facts_and_moves_rollups_by_the_difference(
    metrics_service: MetricsService,
) -> None:
    other_account = uuid.uuid4()
    await metrics_service.publish(
        fetched(
            ORG,
            ACCOUNT,
            [
                row("c1", D1, 1, ad_group="g", ad="a1"),
                row("c1", D1, 2, ad_group="g", ad="a2"),
                row("c1", D2, 3, ad_group="g", ad="a1"),
                row("c2", D2, 4),
            ],
            provisional_from=D1,
        )
    )
    await metrics_service.publish(fetched(ORG, other_account, [row("c1", D1, 7)]))
    await metrics_service.settled()

    # The platform restates D1 (a1 down, a2 up) and D2, adds a row, and D1 is now final.
    await metrics_service.publish(
        fetched(
            ORG,
            ACCOUNT,
            [
                MetricRow(row("c1", D1, 1, ad_group="g", ad="a1"), impressions=500),
                row("c1", D1, 6, ad_group="g", ad="a2"),
                row("c1", D2, 1, ad_group="g", ad="a1"),
                row("c2", D3, 2),
            ],
            provisional_from=D2,
        )
    )
    await metrics_service.settled()

    facts = await metrics_service.rows(
        "SELECT campaign_id, ad_id, day, impressions, provisional FROM metric_facts "
        "WHERE account_id = :a ORDER BY campaign_id, ad_id, day",
        a=ACCOUNT,
    )
    assert facts == [
        {"campaign_id": "c1", "ad_id": "a1", "day": D1, "impressions": 500, "provisional": False},
        {"campaign_id": "c1", "ad_id": "a1", "day": D2, "impressions": 1000, "provisional": True},
        {"campaign_id": "c1", "ad_id": "a2", "day": D1, "impressions": 6000, "provisional": False},
        {"campaign_id": "c2", "ad_id": "", "day": D2, "impressions": 4000, "provisional": True},
        {"campaign_id": "c2", "ad_id": "", "day": D3, "impressions": 2000, "provisional": True},
    ]
    assert await metrics_service.rows(
        "SELECT campaign_id, day, impressions, clicks, provisional FROM daily_campaign_rollups "
        "WHERE account_id = :a ORDER BY campaign_id, day",
        a=ACCOUNT,
    ) == [
        {"campaign_id": "c1", "day": D1, "impressions": 6500, "clicks": 70, "provisional": False},
        {"campaign_id": "c1", "day": D2, "impressions": 1000, "clicks": 10, "provisional": True},
        {"campaign_id": "c2", "day": D2, "impressions": 4000, "clicks": 40, "provisional": True},
        {"campaign_id": "c2", "day": D3, "impressions": 2000, "clicks": 20, "provisional": True},
    ]
    # The other account's rollups did not move.
    assert await metrics_service.rows(
        "SELECT day, impressions FROM daily_account_rollups WHERE account_id = :a", a=other_account
    ) == [{"day": D1, "impressions": 7000}]
    await metrics_service.assert_rollups_match_facts()


async def test_a_backlog_applied_in_one_batch_stays_consistent(
    metrics_settings: Settings, js: JetStreamContext
) -> None:
    """Events queued before the service starts arrive in one pull and are applied in one transaction."""
    issuer = TestTokenIssuer()
    app = create_app(metrics_settings, jwks=issuer.jwks_cache())
    service = MetricsService(create_async_engine(metrics_settings.database_url), js, app, issuer)
    for n in range(1, 6):  # the same keys restated again and again, plus a growing tail of days
        await service.publish(
            fetched(ORG, ACCOUNT, [row("c1", date(2026, 11, d), n * d) for d in range(1, n + 1)])
        )
    async with running(app):
        await service.settled()
    assert await service.rows("SELECT day, impressions FROM daily_campaign_rollups ORDER BY day") == [
        {"day": date(2026, 11, d), "impressions": 1000 * 5 * d} for d in range(1, 6)
    ]
    await service.assert_rollups_match_facts()
    await service.engine.dispose()


async def test_accounts_of_one_pull_apply_in_parallel_each_in_stream_order(
    metrics_settings: Settings, js: JetStreamContext
) -> None:
    """A backlog of eight accounts, each restating the same keys five times: one pull, applied as several
    transactions (one per group of accounts), yet every account ends with its last batch's values."""
    assert metrics_settings.consumer_parallelism > 1
    issuer = TestTokenIssuer()
    app = create_app(metrics_settings, jwks=issuer.jwks_cache())
    service = MetricsService(create_async_engine(metrics_settings.database_url), js, app, issuer)
    accounts = [uuid.UUID(int=0xACC0 + i) for i in range(8)]
    for n in range(1, 6):  # interleaved: account 0 batch 1, account 1 batch 1, ..., account 7 batch 5
        for i, account in enumerate(accounts):
            await service.publish(fetched(ORG, account, [row("c1", D1, 10 * i + n), row("c1", D2, n)]))
    async with running(app):
        await service.settled()
    facts = await service.rows(
        "SELECT account_id, day, impressions FROM metric_facts ORDER BY account_id, day"
    )
    assert facts == [  # accounts sort as created (UUID(int=...) ascending)
        {"account_id": account, "day": day, "impressions": n * 1000}
        for i, account in enumerate(accounts)
        for day, n in ((D1, 10 * i + 5), (D2, 5))
    ]
    # Several transactions wrote the facts (with parallelism 1 the whole pull is one transaction).
    writers = await service.scalar("SELECT count(DISTINCT xmin::text) FROM metric_facts")
    assert 1 < writers <= metrics_settings.consumer_parallelism
    await service.assert_rollups_match_facts()
    await service.engine.dispose()


async def test_rows_of_two_months_land_in_their_monthly_partitions(metrics_service: MetricsService) -> None:
    jan, feb = date(2031, 1, 31), date(2031, 2, 1)  # far ahead: no partition exists yet
    assert await metrics_service.scalar("SELECT to_regclass('metric_facts_2031_01')") is None
    await metrics_service.publish(fetched(ORG, ACCOUNT, [row("c1", jan, 1), row("c1", feb, 2)]))
    await metrics_service.settled()

    placed = await metrics_service.rows(
        "SELECT tableoid::regclass::text AS partition, day FROM metric_facts ORDER BY day"
    )
    assert placed == [
        {"partition": "metric_facts_2031_01", "day": jan},
        {"partition": "metric_facts_2031_02", "day": feb},
    ]
    assert await metrics_service.scalar("SELECT count(*) FROM metric_facts_default") == 0
    bounds = await metrics_service.scalar(
        "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'metric_facts_2031_02'"
    )
    assert bounds == "FOR VALUES FROM ('2031-02-01') TO ('2031-03-01')"
    # Creating partitions again is a no-op.
    count_partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'metric_facts'::regclass"
    before = await metrics_service.scalar(count_partitions)
    async with metrics_service.engine.begin() as conn:
        await conn.execute(text("SELECT ensure_metric_fact_partitions('2031-01-01', '2031-02-28')"))
    assert await metrics_service.scalar(count_partitions) == before


async def test_partitions_exist_ahead_after_start(metrics_service: MetricsService) -> None:
    ahead = month_start(datetime.now(UTC).date(), MONTHS_AHEAD)
    name = f"metric_facts_{ahead:%Y_%m}"
    assert await metrics_service.scalar("SELECT to_regclass(:n)::text", n=name) == name


async def test_rows_stranded_in_the_default_partition_move_to_the_new_month(
    metrics_service: MetricsService,
) -> None:
    # Something wrote a fact without creating its month first: it lands in the default partition.
    async with metrics_service.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO metric_facts (org_id, account_id, campaign_id, day, platform, currency, impressions,"
                " clicks, spend_micros, conversions, conversion_value_micros)"
                " VALUES (:o, :a, 'old', '2032-05-10', 'sandbox', 'EUR', 1, 0, 0, 0, 0)"
            ),
            {"o": ORG, "a": ACCOUNT},
        )
    assert await metrics_service.scalar("SELECT count(*) FROM metric_facts_default") == 1

    await metrics_service.publish(fetched(ORG, ACCOUNT, [row("new", date(2032, 5, 11), 1)]))
    await metrics_service.settled()

    placed = await metrics_service.rows(
        "SELECT tableoid::regclass::text AS partition, campaign_id FROM metric_facts ORDER BY day"
    )
    assert placed == [
        {"partition": "metric_facts_2032_05", "campaign_id": "old"},
        {"partition": "metric_facts_2032_05", "campaign_id": "new"},
    ]
    assert await metrics_service.scalar("SELECT count(*) FROM metric_facts_default") == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("clicks", -5), ("campaign_id", "9" * 129)],  # the contract: ge=0; ids fit the facts' varchar(128)
)
async def test_a_malformed_event_is_dead_lettered_and_later_events_still_apply(
    metrics_service: MetricsService, field: str, value: object
) -> None:
    good = fetched(ORG, ACCOUNT, [row("c1", D1, 1)])
    bad = json.loads(good.to_bytes())
    bad["id"] = str(uuid.uuid4())
    bad["data"]["rows"][0][field] = value
    bad_seq = await metrics_service.publish(json.dumps(bad).encode())
    await metrics_service.publish(good)
    await metrics_service.settled()

    dead = await metrics_service.js.get_last_msg("DEADLETTER", f"deadletter.{CONSUMER}")
    record = json.loads(dead.data)
    assert (record["reason"], record["stream_seq"]) == ("malformed", bad_seq)
    assert await metrics_service.rows("SELECT day, impressions FROM daily_account_rollups") == [
        {"day": D1, "impressions": 1000}
    ]


async def test_an_event_without_org_is_dead_lettered(metrics_service: MetricsService) -> None:
    orphan = fetched(ORG, ACCOUNT, [row("c1", D1, 1)]).model_copy(update={"org_id": None})
    seq = await metrics_service.publish(orphan)
    await metrics_service.settled()

    dead = await metrics_service.js.get_last_msg("DEADLETTER", f"deadletter.{CONSUMER}")
    assert (json.loads(dead.data)["reason"], json.loads(dead.data)["stream_seq"]) == ("permanent_error", seq)
    assert await metrics_service.scalar("SELECT count(*) FROM metric_facts") == 0

"""The sandbox ad platform: determinism, realistic shapes, restatements, writes and simulated failures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from adpilot_connectors.platforms.base import (
    DailyMetric,
    ErrorKind,
    InvalidRequest,
    Level,
    NewAd,
    NewAdGroup,
    NewCampaign,
    Platform,
    PlatformError,
    RateLimited,
    ReconnectRequired,
    Status,
    TransientPlatformError,
)
from adpilot_connectors.platforms.sandbox import SandboxPlatform

TODAY = date(2026, 6, 17)  # a Wednesday; every generated account and campaign exists long before
WEEK = timedelta(days=7)


async def fetch(p: SandboxPlatform, account_id: str, start: date, end: date) -> list[DailyMetric]:
    rows: list[DailyMetric] = []
    async for batch in p.fetch_daily_metrics(account_id, start, end):
        rows.extend(batch)
    return rows


async def account_ids(p: SandboxPlatform) -> list[str]:
    return [a.external_id for a in await p.list_accounts()]


async def snapshot(p: SandboxPlatform, account_id: str, start: date, end: date) -> tuple[object, ...]:
    return (
        await p.list_campaigns(account_id),
        await p.list_ad_groups(account_id),
        await p.list_ads(account_id),
        await fetch(p, account_id, start, end),
    )


def by_campaign_day(rows: list[DailyMetric]) -> dict[tuple[str, date], list[int]]:
    totals: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        t = totals[(r.campaign_id, r.day)]
        t[0] += r.impressions
        t[1] += r.clicks
        t[2] += r.spend_micros
    return totals


def good_ad(ad_group_id: str, **changes: object) -> NewAd:
    ad = NewAd(
        ad_group_id=ad_group_id,
        name="RSA winter",
        final_url="https://www.example.com/winter",
        headlines=("Winter Sale Now On", "Free Shipping Over 50", "Shop Warm Jackets"),
        descriptions=("Warm, light and waterproof jackets.", "Free returns within 30 days."),
        path1="winter",
    )
    return replace(ad, **changes)


# ----------------------------------------------------------------------------------------- structure


async def test_accounts_look_real() -> None:
    p = SandboxPlatform(accounts=8, today=TODAY)
    assert p.platform == Platform.SANDBOX
    accounts = await p.list_accounts()
    assert len(accounts) == 8
    assert len({a.external_id for a in accounts}) == 8
    for a in accounts:
        assert a.currency in {"EUR", "USD", "GBP"}
        ZoneInfo(a.time_zone)  # a real IANA zone
        assert a.name and not a.is_manager
        campaigns = await p.list_campaigns(a.external_id)
        assert 4 <= len(campaigns) <= 8
        assert all(c.daily_budget_micros and c.daily_budget_micros > 0 for c in campaigns)
        assert all(c.objective for c in campaigns)
        assert any(c.status == Status.PAUSED for c in campaigns)
        assert any(c.status == Status.ENABLED for c in campaigns)
        groups = await p.list_ad_groups(a.external_id)
        per_campaign: dict[str, int] = defaultdict(int)
        for g in groups:
            per_campaign[g.campaign_id] += 1
        assert set(per_campaign) == {c.external_id for c in campaigns}
        assert all(2 <= n <= 4 for n in per_campaign.values())
        ads = await p.list_ads(a.external_id)
        per_group: dict[str, int] = defaultdict(int)
        for ad in ads:
            per_group[ad.ad_group_id] += 1
            assert ad.final_url and ad.final_url.startswith("https://www.")
        assert set(per_group) == {g.external_id for g in groups}
        assert all(2 <= n <= 3 for n in per_group.values())
        # The generated copy passes the sandbox's own write validation (RSA limits etc.).
        results = await p.create_ads(
            a.external_id,
            [NewAd(ad.ad_group_id, ad.name, ad.final_url or "", ad.headlines, ad.descriptions) for ad in ads],
            validate_only=True,
        )
        assert [r.error for r in results if not r.ok] == []


# --------------------------------------------------------------------------------------- determinism


async def test_same_seed_same_everything_and_other_seed_differs() -> None:
    start, end = TODAY - timedelta(days=20), TODAY
    a, b, c = (SandboxPlatform(seed=s, accounts=3, today=TODAY) for s in (7, 7, 8))
    assert await a.list_accounts() == await b.list_accounts()
    for acct in await account_ids(a):
        assert await snapshot(a, acct, start, end) == await snapshot(b, acct, start, end)
    assert [x.name for x in await a.list_accounts()] != [x.name for x in await c.list_accounts()]
    rows_a = await fetch(a, (await account_ids(a))[0], start, end)
    rows_c = await fetch(c, (await account_ids(c))[0], start, end)
    assert [r.spend_micros for r in rows_a] != [r.spend_micros for r in rows_c]


async def test_same_day_same_numbers_whatever_the_window() -> None:
    """Values are a pure function of (seed, ids, day): the window used to fetch a day does not matter."""
    p = SandboxPlatform(today=TODAY)
    acct = (await account_ids(p))[0]
    day = TODAY - timedelta(days=10)
    alone = await fetch(p, acct, day, day)
    within = [r for r in await fetch(p, acct, day - timedelta(days=30), TODAY) if r.day == day]
    assert alone == within and alone


async def test_adding_accounts_does_not_change_existing_ones() -> None:
    start, end = TODAY - timedelta(days=14), TODAY
    small = SandboxPlatform(seed=11, accounts=2, today=TODAY)
    big = SandboxPlatform(seed=11, accounts=6, today=TODAY)
    small_ids, big_ids = await account_ids(small), await account_ids(big)
    assert big_ids[:2] == small_ids
    assert (await big.list_accounts())[:2] == await small.list_accounts()
    for acct in small_ids:
        assert await snapshot(small, acct, start, end) == await snapshot(big, acct, start, end)


# ------------------------------------------------------------------------------------------- metrics


async def test_weekday_seasonality_matches_the_vertical_profile() -> None:
    p = SandboxPlatform(seed=7, accounts=6, today=TODAY)
    end = TODAY - timedelta(days=7)  # all final
    start = end - 8 * WEEK + timedelta(days=1)
    ratios: dict[str, float] = {}
    for acct in await account_ids(p):
        weekend: list[int] = []
        weekday: list[int] = []
        daily: dict[date, int] = defaultdict(int)
        for r in await fetch(p, acct, start, end):
            daily[r.day] += r.impressions
        assert len(daily) == 56
        for day, impressions in daily.items():
            (weekend if day.weekday() >= 5 else weekday).append(impressions)
        ratio = (sum(weekend) / len(weekend)) / (sum(weekday) / len(weekday))
        designed = p.profile(acct).weekend_to_weekday_ratio
        assert ratio == pytest.approx(designed, rel=0.1), (acct, p.profile(acct).vertical)
        ratios[p.profile(acct).vertical] = ratio
    # Seed 7 mixes verticals whose weekends go opposite ways (B2C up, B2B/local/education down).
    assert max(ratios.values()) > 1.1
    assert min(ratios.values()) < 0.9


async def test_restatement_raises_recent_conversions_but_not_spend() -> None:
    p = SandboxPlatform(today=TODAY, restatement_days=3)
    acct = (await account_ids(p))[0]
    day = TODAY - timedelta(days=1)
    settled = TODAY - timedelta(days=5)

    def totals(rows: list[DailyMetric], d: date) -> tuple[int, int, int, Decimal, int]:
        sel = [r for r in rows if r.day == d]
        return (
            sum(r.impressions for r in sel),
            sum(r.clicks for r in sel),
            sum(r.spend_micros for r in sel),
            sum((r.conversions for r in sel), Decimal(0)),
            sum(r.conversion_value_micros for r in sel),
        )

    seen = []
    for _ in range(4):  # day is 1, 2, 3, 4 days old
        rows = await fetch(p, acct, settled, day)
        seen.append((totals(rows, day), totals(rows, settled)))
        p.advance()
    delivery = {t[:3] for (t, _) in seen}
    assert len(delivery) == 1, "impressions/clicks/spend are final after one day"
    conversions = [t[3] for (t, _) in seen]
    values = [t[4] for (t, _) in seen]
    assert conversions[0] < conversions[1] < conversions[2] == conversions[3], conversions
    assert values[0] < values[1] < values[2] == values[3], values
    assert conversions[0] > conversions[2] * Decimal("0.6")
    assert len({s for (_, s) in seen}) == 1, "a day older than the restatement window never changes"

    # Per row the restatement only ever adds.
    q = SandboxPlatform(today=TODAY)
    early = {(r.ad_id, r.day): r for r in await fetch(q, acct, TODAY - timedelta(days=3), TODAY)}
    q.advance(3)
    late = {(r.ad_id, r.day): r for r in await fetch(q, acct, TODAY - timedelta(days=3), TODAY)}
    assert early.keys() == late.keys()
    for k, r in early.items():
        assert late[k].conversions >= r.conversions
        assert late[k].conversion_value_micros >= r.conversion_value_micros


async def test_today_is_partial_and_future_days_are_absent() -> None:
    p = SandboxPlatform(today=TODAY)
    acct = (await account_ids(p))[0]
    rows = await fetch(p, acct, TODAY - timedelta(days=1), TODAY + timedelta(days=5))
    assert max(r.day for r in rows) == TODAY
    today_spend = sum(r.spend_micros for r in rows if r.day == TODAY)
    p.advance()
    later = await fetch(p, acct, TODAY, TODAY)
    full_spend = sum(r.spend_micros for r in later)
    assert 0 < today_spend < full_spend


async def test_no_data_before_the_account_existed() -> None:
    p = SandboxPlatform(today=TODAY)
    acct = (await account_ids(p))[0]
    created = p.profile(acct).created_on
    assert await fetch(p, acct, created - timedelta(days=30), created - timedelta(days=1)) == []
    rows = await fetch(p, acct, created - timedelta(days=30), created + timedelta(days=30))
    assert rows and min(r.day for r in rows) >= created


async def test_ad_rows_add_up_to_plausible_campaign_totals() -> None:
    p = SandboxPlatform(seed=3, accounts=5, today=TODAY)
    start, end = TODAY - timedelta(days=30), TODAY - timedelta(days=3)
    n_days = (end - start).days + 1
    for acct in await account_ids(p):
        campaigns = {c.external_id: c for c in await p.list_campaigns(acct)}
        currency = next(a.currency for a in await p.list_accounts() if a.external_id == acct)
        rows = await fetch(p, acct, start, end)
        for r in rows:
            assert r.account_id == acct and r.ad_group_id and r.ad_id
            assert r.ad_id.startswith(r.ad_group_id) and r.ad_group_id.startswith(r.campaign_id)
            assert r.impressions >= r.clicks >= 0 and r.spend_micros >= 0
            assert r.conversions >= 0 and r.conversions == r.conversions.quantize(Decimal("0.01"))
            assert r.conversion_value_micros >= 0
            assert r.currency == currency
        totals = by_campaign_day(rows)
        enabled = [c for c in campaigns.values() if c.status == Status.ENABLED]
        assert {cid for cid, _ in totals} == {c.external_id for c in enabled}
        for c in enabled:
            assert c.daily_budget_micros is not None
            days = [totals[(c.external_id, start + timedelta(days=i))] for i in range(n_days)]
            for impressions, clicks, spend in days:
                assert spend < 2.0 * c.daily_budget_micros  # Google's overdelivery cap
                if clicks >= 20:
                    assert 0.005 <= clicks / impressions <= 0.06
                    assert 0.05e6 <= spend / clicks <= 15e6  # CPC in account currency
            total = [sum(d[i] for d in days) for i in range(3)]
            assert 0.35 < total[2] / (n_days * c.daily_budget_micros) < 1.2
            assert 0.005 <= total[1] / total[0] <= 0.06


async def test_batches_hold_at_most_1000_rows() -> None:
    p = SandboxPlatform(accounts=1, today=TODAY)
    acct = (await account_ids(p))[0]
    sizes = [len(b) async for b in p.fetch_daily_metrics(acct, TODAY - timedelta(days=89), TODAY)]
    assert len(sizes) >= 2
    assert all(0 < s <= 1000 for s in sizes)
    assert all(s == 1000 for s in sizes[:-1])
    small = SandboxPlatform(accounts=1, today=TODAY, batch_size=7)
    small_sizes = [len(b) async for b in small.fetch_daily_metrics(acct, TODAY - timedelta(days=3), TODAY)]
    assert max(small_sizes) == 7
    assert sum(small_sizes) == len(await fetch(p, acct, TODAY - timedelta(days=3), TODAY))


async def test_paused_campaigns_ad_groups_and_ads_spend_nothing() -> None:
    p = SandboxPlatform(accounts=4, today=TODAY)
    start = TODAY - timedelta(days=14)
    for acct in await account_ids(p):
        rows = await fetch(p, acct, start, TODAY)
        paused = {c.external_id for c in await p.list_campaigns(acct) if c.status != Status.ENABLED}
        paused |= {g.external_id for g in await p.list_ad_groups(acct) if g.status != Status.ENABLED}
        paused |= {a.external_id for a in await p.list_ads(acct) if a.status != Status.ENABLED}
        assert paused
        assert not [r for r in rows if {r.campaign_id, r.ad_group_id, r.ad_id} & paused]

    # Pausing takes effect from today: history stays, today and later go quiet.
    acct = (await account_ids(p))[0]
    live = next(c for c in await p.list_campaigns(acct) if c.status == Status.ENABLED)
    before = [r for r in await fetch(p, acct, start, TODAY) if r.campaign_id == live.external_id]
    await p.set_status(acct, Level.CAMPAIGN, live.external_id, Status.PAUSED)
    p.advance(2)
    after = [r for r in await fetch(p, acct, start, p.today or TODAY) if r.campaign_id == live.external_id]
    assert {r.day for r in after} == {r.day for r in before} - {TODAY}
    assert all(r.day < TODAY for r in after)
    old_spend = {(r.ad_id, r.day): r.spend_micros for r in before if r.day < TODAY}
    assert {(r.ad_id, r.day): r.spend_micros for r in after} == old_spend


# -------------------------------------------------------------------------------------------- writes


async def test_create_hierarchy_paused_then_enable_produces_metrics() -> None:
    p = SandboxPlatform(today=TODAY)
    acct = (await account_ids(p))[0]
    (res,) = await p.create_campaigns(acct, [NewCampaign("Winter Launch", 50_000_000, "SALES")])
    assert res.ok and res.external_id
    cid = res.external_id
    campaign = next(c for c in await p.list_campaigns(acct) if c.external_id == cid)
    assert campaign.status == Status.PAUSED and campaign.daily_budget_micros == 50_000_000
    (g,) = await p.create_ad_groups(acct, [NewAdGroup(cid, "Warm Jackets")])
    assert g.external_id and g.external_id.startswith(cid)
    ads = await p.create_ads(acct, [good_ad(g.external_id), good_ad(g.external_id, name="RSA 2")])
    assert all(r.ok for r in ads)
    listed = {a.external_id: a for a in await p.list_ads(acct)}
    assert all(listed[r.external_id or ""].status == Status.PAUSED for r in ads)
    assert listed[ads[0].external_id or ""].headlines == good_ad(g.external_id).headlines

    # Stable ids: the same writes on a fresh sandbox give the same ids.
    q = SandboxPlatform(today=TODAY)
    assert (await q.create_campaigns(acct, [NewCampaign("Winter Launch", 50_000_000)]))[0].external_id == cid

    def mine(rows: list[DailyMetric]) -> list[DailyMetric]:
        return [r for r in rows if r.campaign_id == cid]

    assert mine(await fetch(p, acct, TODAY - timedelta(days=3), TODAY + timedelta(days=3))) == []
    await p.set_status(acct, Level.CAMPAIGN, cid, Status.ENABLED)
    assert mine(await fetch(p, acct, TODAY, TODAY)) == []  # ad group and ads still paused
    await p.set_status(acct, Level.AD_GROUP, g.external_id, Status.ENABLED)
    for r in ads:
        await p.set_status(acct, Level.AD, r.external_id or "", Status.ENABLED)
    p.advance(10)
    rows = mine(await fetch(p, acct, TODAY - timedelta(days=3), TODAY + timedelta(days=10)))
    assert {r.day for r in rows} == {TODAY + timedelta(days=i) for i in range(11)}
    assert {r.ad_id for r in rows} == {r.external_id for r in ads}
    assert sum(r.spend_micros for r in rows if r.day == TODAY + timedelta(days=9)) > 0


async def test_validate_only_changes_nothing() -> None:
    p = SandboxPlatform(today=TODAY)
    acct = (await account_ids(p))[0]
    before = await snapshot(p, acct, TODAY - timedelta(days=2), TODAY)
    campaign_id = (await p.list_campaigns(acct))[0].external_id
    group_id = (await p.list_ad_groups(acct))[0].external_id
    assert [
        r.ok for r in await p.create_campaigns(acct, [NewCampaign("X", 10_000_000)], validate_only=True)
    ] == [True]
    res = await p.create_ad_groups(acct, [NewAdGroup(campaign_id, "Y")], validate_only=True)
    assert res[0].ok and res[0].external_id is None
    assert (await p.create_ads(acct, [good_ad(group_id)], validate_only=True))[0].ok
    bad = await p.create_campaigns(acct, [NewCampaign("", 0)], validate_only=True)
    assert not bad[0].ok
    assert await snapshot(p, acct, TODAY - timedelta(days=2), TODAY) == before
    # Ids are not consumed by a dry run.
    (real,) = await p.create_campaigns(acct, [NewCampaign("X", 10_000_000)])
    fresh = SandboxPlatform(today=TODAY)
    assert (await fresh.create_campaigns(acct, [NewCampaign("X", 10_000_000)]))[0] == real


async def test_partial_failure_reports_each_item() -> None:
    p = SandboxPlatform(today=TODAY)
    acct = (await account_ids(p))[0]
    existing = (await p.list_campaigns(acct))[0]
    results = await p.create_campaigns(
        acct,
        [
            NewCampaign("Good one", 25_000_000),
            NewCampaign("   ", 25_000_000),
            NewCampaign("Zero budget", 0),
            NewCampaign("Negative", -5_000_000),
            NewCampaign("Fractional cents", 12_345_678),
            NewCampaign(existing.name, 25_000_000),
            NewCampaign("Good one", 30_000_000),  # duplicate within the request
            NewCampaign("Odd objective", 25_000_000, objective="WORLD_DOMINATION"),
            NewCampaign("Another good one", 99_990_000, objective="LEADS", status=Status.ENABLED),
        ],
    )
    assert [r.index for r in results] == list(range(9))
    assert [r.ok for r in results] == [True, False, False, False, False, False, False, False, True]
    assert "empty" in (results[1].error or "")
    assert "greater than 0" in (results[2].error or "") and "greater than 0" in (results[3].error or "")
    assert "cents" in (results[4].error or "")
    assert "already exists" in (results[5].error or "") and "already exists" in (results[6].error or "")
    assert "objective" in (results[7].error or "")
    assert all(r.external_id is None for r in results if not r.ok)
    names = {c.name: c for c in await p.list_campaigns(acct)}
    assert "Good one" in names and names["Another good one"].status == Status.ENABLED
    assert "Zero budget" not in names

    good_id = results[0].external_id or ""
    groups = await p.create_ad_groups(
        acct,
        [NewAdGroup(good_id, "Group A"), NewAdGroup("no-such-campaign", "Group B"), NewAdGroup(good_id, "")],
    )
    assert [r.ok for r in groups] == [True, False, False]
    assert "unknown campaign" in (groups[1].error or "")
    gid = groups[0].external_id or ""

    ads = await p.create_ads(
        acct,
        [
            good_ad(gid),
            good_ad(gid, headlines=("This headline is far too long for RSA", "B", "C")),
            good_ad(gid, descriptions=("x" * 91, "fine")),
            good_ad("no-such-group"),
            good_ad(gid, headlines=("Only", "Two")),
            good_ad(gid, final_url="ftp://nope"),
            good_ad(gid, headlines=("Same", "same", "Other")),
            good_ad(gid, path1=None, path2="orphan"),
            good_ad(gid, name="RSA 3", path1="x" * 16),
        ],
    )
    assert [r.ok for r in ads] == [True] + [False] * 8
    assert "headline 1 is 37 characters (max 30)" in (ads[1].error or "")
    assert "description 1 is 91 characters (max 90)" in (ads[2].error or "")
    assert "unknown ad group" in (ads[3].error or "")
    assert "3-15 headlines" in (ads[4].error or "")
    assert "URL" in (ads[5].error or "")
    assert "unique" in (ads[6].error or "")
    assert "path2 needs path1" in (ads[7].error or "")
    assert "path1" in (ads[8].error or "")
    assert [a.external_id for a in await p.list_ads(acct) if a.ad_group_id == gid] == [ads[0].external_id]


async def test_policy_claims_and_targeting_are_refused_per_item() -> None:
    p = SandboxPlatform(today=TODAY)
    acct = (await account_ids(p))[0]
    cid = (await p.list_campaigns(acct))[0].external_id
    groups = await p.create_ad_groups(
        acct,
        [
            NewAdGroup(cid, "Targeted", countries=("DE", "AT"), age_min=18, age_max=34),
            NewAdGroup(cid, "Bad country", countries=("Germany",)),
            NewAdGroup(cid, "Bad ages", age_min=40, age_max=30),
            NewAdGroup(cid, "Too young", age_min=9),
        ],
    )
    assert [r.kind for r in groups] == [None] + [ErrorKind.INVALID_REQUEST] * 3
    assert "ISO 3166" in (groups[1].error or "") and "above" in (groups[2].error or "")
    gid = groups[0].external_id or ""
    ads = await p.create_ads(
        acct,
        [
            good_ad(gid),
            good_ad(gid, name="Claims", descriptions=("Miracle results in a week.", "Risk-free trial.")),
            good_ad(gid, name="Short", headlines=("A", "B")),
        ],
        validate_only=True,
    )
    assert [r.kind for r in ads] == [None, ErrorKind.POLICY, ErrorKind.INVALID_REQUEST]
    assert "miracle, risk-free" in (ads[1].error or "")
    assert [a for a in await p.list_ads(acct) if a.ad_group_id == gid] == []


async def test_fail_next_can_let_calls_through_first() -> None:
    p = SandboxPlatform(today=TODAY)
    acct = (await account_ids(p))[0]
    p.fail_next("rate_limited", method="create_campaigns", after_calls=2, retry_after_s=5)
    for name in ("One", "Two"):
        assert (await p.create_campaigns(acct, [NewCampaign(name, 10_000_000)]))[0].ok
    assert await p.list_campaigns(acct)  # other methods do not count
    with pytest.raises(RateLimited):
        await p.create_campaigns(acct, [NewCampaign("Three", 10_000_000)])
    assert (await p.create_campaigns(acct, [NewCampaign("Three", 10_000_000)]))[0].ok
    with pytest.raises(ValueError):
        p.fail_next("transient", after_calls=-1)


async def test_status_and_budget_changes() -> None:
    p = SandboxPlatform(today=TODAY)
    acct = (await account_ids(p))[0]
    with pytest.raises(InvalidRequest):
        await p.set_status(acct, Level.CAMPAIGN, "nope", Status.PAUSED)
    with pytest.raises(InvalidRequest):
        await p.set_status(acct, Level.AD, "nope", Status.PAUSED)
    with pytest.raises(InvalidRequest):
        await p.set_daily_budget(acct, "nope", 10_000_000)
    with pytest.raises(InvalidRequest):
        await p.list_campaigns("no-such-account")

    c = next(c for c in await p.list_campaigns(acct) if c.status == Status.ENABLED)
    assert c.daily_budget_micros is not None
    with pytest.raises(InvalidRequest):
        await p.set_daily_budget(acct, c.external_id, 0)

    def spend(rows: list[DailyMetric], day: date) -> int:
        return sum(r.spend_micros for r in rows if r.campaign_id == c.external_id and r.day == day)

    window = (TODAY - timedelta(days=5), TODAY + timedelta(days=5))
    before = await fetch(p, acct, *window)
    await p.set_daily_budget(acct, c.external_id, c.daily_budget_micros * 3)
    assert next(
        x for x in await p.list_campaigns(acct) if x.external_id == c.external_id
    ).daily_budget_micros == (c.daily_budget_micros * 3)
    p.advance(5)
    after = await fetch(p, acct, *window)
    yesterday = TODAY - timedelta(days=1)
    assert spend(after, yesterday) == spend(before, yesterday)  # the past is untouched
    assert spend(after, TODAY + timedelta(days=2)) > 2 * spend(after, yesterday) * 0.7

    await p.set_status(acct, Level.CAMPAIGN, c.external_id, Status.REMOVED)
    assert next(x for x in await p.list_campaigns(acct) if x.external_id == c.external_id).status == (
        Status.REMOVED
    )
    with pytest.raises(InvalidRequest):
        await p.set_status(acct, Level.CAMPAIGN, c.external_id, Status.ENABLED)
    res = await p.create_ad_groups(acct, [NewAdGroup(c.external_id, "Late")])
    assert "removed" in (res[0].error or "")


# ------------------------------------------------------------------------------------------ failures


async def test_fail_next_raises_the_platform_errors_once() -> None:
    p = SandboxPlatform(today=TODAY)
    p.fail_next("rate_limited", retry_after_s=12.5)
    with pytest.raises(RateLimited) as err:
        await p.list_accounts()
    assert err.value.retry_after_s == 12.5
    acct = (await account_ids(p))[0]  # next call succeeds

    p.fail_next("transient", times=2)
    for _ in range(2):
        with pytest.raises(TransientPlatformError):
            await p.list_campaigns(acct)
    assert await p.list_campaigns(acct)

    p.fail_next("reconnect", method="create_campaigns")
    assert await p.list_ads(acct)  # other methods are not affected
    with pytest.raises(ReconnectRequired):
        await p.create_campaigns(acct, [NewCampaign("Never", 10_000_000)])
    assert "Never" not in {c.name for c in await p.list_campaigns(acct)}

    custom = PlatformError("sandbox: custom")
    p.fail_next(custom, method="set_daily_budget")
    with pytest.raises(PlatformError) as perr:
        await p.set_daily_budget(acct, (await p.list_campaigns(acct))[0].external_id, 10_000_000)
    assert perr.value is custom

    with pytest.raises(ValueError):
        p.fail_next("rate_limited", method="no_such_method")
    p.fail_next("transient")
    p.clear_failures()
    assert await p.list_accounts()
    assert ("list_ads", acct) in p.calls


async def test_fetch_failures_before_and_mid_stream() -> None:
    p = SandboxPlatform(today=TODAY)
    acct = max([(len(await p.list_ads(a)), a) for a in await account_ids(p)])[1]
    start = TODAY - timedelta(days=89)
    expected = await fetch(p, acct, start, TODAY)
    assert len(expected) > 1000

    p.fail_next("rate_limited", method="fetch_daily_metrics", retry_after_s=3)
    with pytest.raises(RateLimited):
        await fetch(p, acct, start, TODAY)

    p.fail_next("transient", method="fetch_daily_metrics", after_batches=1)
    got: list[DailyMetric] = []
    with pytest.raises(TransientPlatformError):
        async for batch in p.fetch_daily_metrics(acct, start, TODAY):
            got.extend(batch)
    assert got == expected[:1000]

    # A resumed fetch (what a sync would do) returns the same rows.
    assert await fetch(p, acct, start, TODAY) == expected


async def test_live_mode_follows_each_accounts_local_date() -> None:
    p = SandboxPlatform(accounts=8)
    for a in await p.list_accounts():
        local_today = datetime.now(ZoneInfo(a.time_zone)).date()
        assert p.today_for(a.external_id) in {local_today, local_today + timedelta(days=1)}
        rows = await fetch(p, a.external_id, local_today - timedelta(days=2), local_today + timedelta(days=3))
        assert rows and max(r.day for r in rows) <= p.today_for(a.external_id)
    with pytest.raises(RuntimeError):
        p.advance()

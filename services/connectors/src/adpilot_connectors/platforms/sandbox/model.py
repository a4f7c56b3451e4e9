"""Sandbox state, its seeded generation, and the daily-metric kernel.

Determinism: every random draw comes from ``random.Random(f"{seed}:...")`` keyed by what it describes (an account
index, an entity id), never from a shared generator, so adding account 4 or creating a campaign leaves every
other entity's names and numbers untouched. Daily values are a pure function of (seed, entity ids, day): the
kernel hashes ``(entity key, day ordinal)`` with splitmix64 instead of seeding an RNG per row.

Day model per campaign (all deterministic)::

    campaign spend target = budget * utilisation * weekday[vertical] * ramp-up * (1 + slow wave) * day noise
    ad spend target       = campaign target * ad share (among ads enabled that day) * ad noise
    clicks                = stochastic round(ad target / cpc)           spend = clicks * cpc
    impressions           = expected clicks / ctr                       conversions = clicks * cvr * noise
    value                 = conversions * value per conversion * noise

Restatements: a day ``age`` days before ``today`` (``age < restatement_days``) reports conversions/value scaled by
a maturity factor that rises to 1; ``today`` itself also reports only part of the day's delivery.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from ..base import AdAccount, DailyMetric, Status
from .catalog import (
    CURRENCY_FACTOR,
    MARKETS,
    OBJECTIVE_FACTORS,
    VERTICALS,
    CampaignPlan,
    Vertical,
    slug,
)

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
INV12 = 1.0 / 4096.0
FOREVER = date.max.toordinal() + 1

# Accounts were "opened" between these dates; campaigns start within ~4 months of their account.
ACCOUNT_EPOCH = date(2022, 1, 1)
ACCOUNT_SPREAD_DAYS = 730
CTR_BOUNDS = (0.006, 0.05)  # per-ad CTR; with daily noise (±15 %) campaign days stay inside 0.5-6 %

HEADLINE_MAX = 30
DESCRIPTION_MAX = 90

StatusLog = list[tuple[int, Status]]  # (first day ordinal, status), ascending
BudgetLog = list[tuple[int, int]]  # (first day ordinal, daily budget micros), ascending


def rng_for(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join([str(seed), *(str(p) for p in parts)]))


# ------------------------------------------------------------------------------------------------ state


@dataclass(eq=False)
class AdState:
    external_id: str
    ad_group_id: str
    name: str
    headlines: tuple[str, ...]
    descriptions: tuple[str, ...]
    final_url: str
    path1: str | None
    path2: str | None
    status_log: StatusLog
    key: int
    weight: float
    cpc_micros: float
    ctr: float
    cvr: float
    value_micros: float  # per conversion


@dataclass(eq=False)
class AdGroupState:
    external_id: str
    campaign_id: str
    name: str
    status_log: StatusLog
    weight: float
    ads: list[AdState] = field(default_factory=list)


@dataclass(eq=False)
class CampaignState:
    external_id: str
    name: str
    objective: str | None
    created_ord: int
    status_log: StatusLog
    budget_log: BudgetLog
    key: int
    utilisation: float
    cpc_mult: float
    ctr_mult: float
    cvr_mult: float
    value_mult: float
    wave_amp: float
    wave_omega: float
    wave_phase: float
    ramp_days: int
    ad_groups: list[AdGroupState] = field(default_factory=list)


@dataclass(eq=False)
class AccountState:
    seed: int
    index: int
    account: AdAccount
    vertical: Vertical
    market: str
    brand: str
    created_on: date
    cpc_usd: float
    ctr: float
    cvr: float
    value_usd: float
    campaigns: list[CampaignState] = field(default_factory=list)
    campaigns_by_id: dict[str, CampaignState] = field(default_factory=dict)
    ad_groups_by_id: dict[str, AdGroupState] = field(default_factory=dict)
    ads_by_id: dict[str, AdState] = field(default_factory=dict)
    next_campaign_no: int = 1

    @property
    def currency_factor(self) -> float:
        return CURRENCY_FACTOR[self.account.currency]

    def add_campaign(self, c: CampaignState) -> None:
        self.campaigns.append(c)
        self.campaigns_by_id[c.external_id] = c
        self.next_campaign_no += 1

    def add_ad_group(self, g: AdGroupState) -> None:
        self.campaigns_by_id[g.campaign_id].ad_groups.append(g)
        self.ad_groups_by_id[g.external_id] = g

    def add_ad(self, a: AdState) -> None:
        self.ad_groups_by_id[a.ad_group_id].ads.append(a)
        self.ads_by_id[a.external_id] = a


def current(log: list[tuple[int, Status]]) -> Status:
    return log[-1][1]


T = TypeVar("T")


def log_set(log: list[tuple[int, T]], ordinal: int, value: T) -> None:
    """Make ``value`` effective from ``ordinal`` on (later entries are superseded; never before creation)."""
    ordinal = max(ordinal, log[0][0])
    while log and log[-1][0] >= ordinal:
        log.pop()
    log.append((ordinal, value))


def budget_at(log: BudgetLog, ordinal: int) -> int:
    value = log[0][1]
    for o, v in log:
        if o > ordinal:
            break
        value = v
    return value


# ------------------------------------------------------------------------------------------ generation


# Used when a vertical's own copy is too long for a brand/theme pair: every generated RSA stays valid.
FALLBACK_HEADLINES = ("{brand}", "Official Site", "Get Started Today", "Learn More")
FALLBACK_DESCRIPTIONS = (
    "{theme} from {brand}. Find out more today.",
    "Friendly support and transparent pricing. Visit our site to learn more.",
)


def _fill(templates: tuple[str, ...], limit: int, brand: str, theme: str, minimum: int) -> list[str]:
    """Fill the templates, keep those within ``limit``; top up from the fallbacks to reach ``minimum``."""
    out: list[str] = []
    fallbacks = FALLBACK_HEADLINES if limit == HEADLINE_MAX else FALLBACK_DESCRIPTIONS
    for group in (templates, fallbacks):
        for t in group:
            text = t.format(brand=brand, theme=theme)
            if len(text) <= limit and text not in out:
                out.append(text)
        if len(out) >= minimum:
            break
    return out


def generate_account(seed: int, index: int) -> AccountState:
    """Account ``index`` (0-based) of ``seed``: depends on nothing else, so growing ``accounts`` is stable."""
    rng = rng_for(seed, "account", index)
    vertical = rng.choice(VERTICALS)
    currency, time_zone, market = rng.choice(MARKETS)
    brand = rng.choice(vertical.brands)
    account_id = f"sbx{seed}-{index + 1:03d}"
    created_on = ACCOUNT_EPOCH + timedelta(days=rng.randrange(ACCOUNT_SPREAD_DAYS))
    state = AccountState(
        seed=seed,
        index=index,
        account=AdAccount(
            external_id=account_id, name=f"{brand} {market}", currency=currency, time_zone=time_zone
        ),
        vertical=vertical,
        market=market,
        brand=brand,
        created_on=created_on,
        cpc_usd=rng.uniform(*vertical.cpc_usd),
        ctr=rng.uniform(*vertical.ctr),
        cvr=rng.uniform(*vertical.cvr),
        value_usd=rng.uniform(*vertical.value_usd),
    )
    n_campaigns = rng.randint(4, 8)
    extra = rng.sample(vertical.campaigns, k=min(n_campaigns - 2, len(vertical.campaigns)))
    plans: list[CampaignPlan] = [vertical.brand_campaign, *extra, vertical.seasonal_campaign]
    for plan in plans:
        start = created_on.toordinal() + (0 if plan is vertical.brand_campaign else rng.randrange(120))
        paused = plan.paused or rng.random() < 0.08
        # At least ~25 clicks' worth a day: nobody runs a 40 EUR/day campaign at 6 EUR per click.
        budget_usd = max(rng.randint(*plan.budget_usd), round(25 * state.cpc_usd))
        budget = max(1, round(budget_usd * state.currency_factor)) * 1_000_000
        campaign = new_campaign_state(
            state,
            f"{account_id}-c{state.next_campaign_no:02d}",
            plan.name.format(market=market),
            plan.objective,
            budget,
            start,
            Status.PAUSED if paused else Status.ENABLED,
        )
        state.add_campaign(campaign)
        themes = rng.sample(vertical.themes, k=rng.randint(2, 4))
        for gi, theme in enumerate(themes, start=1):
            group_status = Status.ENABLED if gi == 1 or rng.random() > 0.1 else Status.PAUSED
            group_name = f"Brand | {theme}" if plan is vertical.brand_campaign else theme
            group = new_ad_group_state(
                state, f"{campaign.external_id}-g{gi}", campaign, group_name, start, group_status
            )
            state.add_ad_group(group)
            headlines = _fill(vertical.headlines, HEADLINE_MAX, brand, theme, 5)
            descriptions = _fill(vertical.descriptions, DESCRIPTION_MAX, brand, theme, 2)
            for ai in range(1, rng.randint(2, 3) + 1):
                n_h = min(len(headlines), rng.randint(5, 8))
                n_d = min(len(descriptions), rng.randint(2, 4))
                path1 = slug(theme)[:15].strip("-")
                ad = new_ad_state(
                    state,
                    f"{group.external_id}-a{ai}",
                    group,
                    f"RSA {ai} | {theme}",
                    tuple(rng.sample(headlines, k=n_h)),
                    tuple(rng.sample(descriptions, k=n_d)),
                    f"https://www.{slug(brand)}.example/{slug(theme)}",
                    path1 or None,
                    None,
                    start,
                    Status.ENABLED if ai == 1 or rng.random() > 0.1 else Status.PAUSED,
                )
                state.add_ad(ad)
    return state


def new_campaign_state(
    acct: AccountState,
    external_id: str,
    name: str,
    objective: str | None,
    budget_micros: int,
    start_ord: int,
    status: Status,
) -> CampaignState:
    """Per-campaign economics from the campaign's own seed (same id → same numbers, whenever it is created)."""
    r = rng_for(acct.seed, acct.account.external_id, external_id)
    return CampaignState(
        external_id=external_id,
        name=name,
        objective=objective,
        created_ord=start_ord,
        status_log=[(start_ord, status)],
        budget_log=[(start_ord, budget_micros)],
        key=r.getrandbits(64),
        utilisation=r.uniform(0.55, 0.9),
        cpc_mult=r.uniform(0.75, 1.3),
        ctr_mult=r.uniform(0.8, 1.25),
        cvr_mult=r.uniform(0.75, 1.3),
        value_mult=r.uniform(0.85, 1.15),
        wave_amp=r.uniform(0.04, 0.14),
        wave_omega=2 * math.pi / r.uniform(45, 150),
        wave_phase=r.uniform(0, 2 * math.pi),
        ramp_days=r.randint(7, 28),
    )


def new_ad_group_state(
    acct: AccountState,
    external_id: str,
    campaign: CampaignState,
    name: str,
    start_ord: int,
    status: Status,
) -> AdGroupState:
    r = rng_for(acct.seed, acct.account.external_id, external_id)
    return AdGroupState(
        external_id=external_id,
        campaign_id=campaign.external_id,
        name=name,
        status_log=[(start_ord, status)],
        weight=r.uniform(0.5, 1.5),
    )


def new_ad_state(
    acct: AccountState,
    external_id: str,
    group: AdGroupState,
    name: str,
    headlines: tuple[str, ...],
    descriptions: tuple[str, ...],
    final_url: str,
    path1: str | None,
    path2: str | None,
    start_ord: int,
    status: Status,
) -> AdState:
    campaign = acct.campaigns_by_id[group.campaign_id]
    cpc_f, ctr_f, cvr_f = OBJECTIVE_FACTORS.get(campaign.objective, (1.0, 1.0, 1.0))
    r = rng_for(acct.seed, acct.account.external_id, external_id)
    quality = r.uniform(0.75, 1.3)  # creative quality: better ads get more clicks per impression
    ctr = acct.ctr * campaign.ctr_mult * ctr_f * quality
    return AdState(
        external_id=external_id,
        ad_group_id=group.external_id,
        name=name,
        headlines=headlines,
        descriptions=descriptions,
        final_url=final_url,
        path1=path1,
        path2=path2,
        status_log=[(start_ord, status)],
        key=r.getrandbits(64),
        weight=group.weight * r.uniform(0.3, 1.0) * quality,
        cpc_micros=acct.cpc_usd
        * acct.currency_factor
        * campaign.cpc_mult
        * cpc_f
        * r.uniform(0.9, 1.1)
        * 1e6,
        ctr=min(CTR_BOUNDS[1], max(CTR_BOUNDS[0], ctr)),
        cvr=acct.cvr * campaign.cvr_mult * cvr_f * r.uniform(0.8, 1.2),
        value_micros=acct.value_usd
        * acct.currency_factor
        * campaign.value_mult
        * r.uniform(0.85, 1.15)
        * 1e6,
    )


# -------------------------------------------------------------------------------------------- metrics


def _enabled(log: StatusLog) -> list[tuple[int, int]]:
    out = []
    for i, (o, status) in enumerate(log):
        if status == Status.ENABLED:
            out.append((o, log[i + 1][0] if i + 1 < len(log) else FOREVER))
    return out


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo, hi = max(a0, b0), min(a1, b1)
            if lo < hi:
                out.append((lo, hi))
    return out


# (ad id, ad group id, share, key, cpc micros, ctr, cvr, value micros per 1/100 conversion)
AdRow = tuple[str, str, float, int, float, float, float, float]
Segment = tuple[int, tuple[AdRow, ...]]  # (daily budget micros, ads enabled with their share)


def _campaign_days(c: CampaignState, s: int, e: int) -> list[Segment | None] | None:
    """For each day s..e, the budget and the ads delivering that day (None: nothing delivers)."""
    camp_iv = [(max(a, s), min(b, e + 1)) for a, b in _enabled(c.status_log) if a <= e and b > s]
    if not camp_iv:
        return None
    ads: list[tuple[AdState, AdGroupState, list[tuple[int, int]]]] = []
    for g in c.ad_groups:
        g_iv = _intersect(camp_iv, _enabled(g.status_log))
        if g_iv:
            for ad in g.ads:
                a_iv = _intersect(g_iv, _enabled(ad.status_log))
                if a_iv:
                    ads.append((ad, g, a_iv))
    if not ads:
        return None
    cuts = {s, e + 1}
    for _, _, ivs in ads:
        for a, b in ivs:
            cuts.update(x for x in (a, b) if s < x <= e)
    cuts.update(o for o, _ in c.budget_log if s < o <= e)
    bounds = sorted(cuts)
    days: list[Segment | None] = []
    for b0, b1 in itertools.pairwise(bounds):
        active = [(ad, g) for ad, g, ivs in ads if any(a <= b0 < b for a, b in ivs)]
        total = sum(ad.weight for ad, _ in active)
        seg: Segment | None = None
        if active:
            rows = tuple(
                (
                    ad.external_id,
                    g.external_id,
                    ad.weight / total,
                    ad.key,
                    ad.cpc_micros,
                    ad.ctr,
                    ad.cvr,
                    ad.value_micros / 100.0,
                )
                for ad, g in active
            )
            seg = (budget_at(c.budget_log, b0), rows)
        days.extend([seg] * (b1 - b0))
    return days


_DECIMALS: dict[int, Decimal] = {}


def hundredths(n: int) -> Decimal:
    """Decimal('n/100') with two places, memoised (Decimals are immutable, so sharing is safe)."""
    d = _DECIMALS.get(n)
    if d is None:
        d = Decimal(n).scaleb(-2)
        if n < 200_000:
            _DECIMALS[n] = d
    return d


def maturity_table(restatement_days: int) -> list[float]:
    """Share of final conversions reported at age 0..N-1 (1.0 from age N on): 0.55, 0.76, 0.91 for N=3."""
    n = restatement_days
    return [1.0 - 0.45 * ((n - age) / n) ** 1.5 for age in range(n)]


def metric_batches(
    acct: AccountState,
    start: date,
    end: date,
    *,
    today: date,
    today_fraction: float,
    restatement_days: int,
    batch_size: int,
) -> Iterator[list[DailyMetric]]:
    """Ad-level rows for start..end (clamped to the account's life and ``today``), day by day, in batches."""
    s = max(start.toordinal(), acct.created_on.toordinal())
    today_o = today.toordinal()
    e = min(end.toordinal(), today_o)
    if s > e:
        return
    n_days = e - s + 1
    plan = []
    for c in acct.campaigns:
        days = _campaign_days(c, s, e)
        if days is not None:
            plan.append(
                (
                    c.external_id,
                    c.key,
                    c.utilisation,
                    c.wave_amp,
                    c.wave_omega,
                    c.wave_phase,
                    next((o for o, st in c.status_log if st == Status.ENABLED), c.created_ord),
                    1.0 / c.ramp_days,
                    days,
                )
            )
    if not plan:
        return
    weekday = acct.vertical.weekday
    maturity = maturity_table(restatement_days)
    account_id = acct.account.external_id
    currency = acct.account.currency
    sin = math.sin
    new = DailyMetric
    dec = hundredths
    rows: list[DailyMetric] = []
    append = rows.append
    for di in range(n_days):
        o = s + di
        day = date.fromordinal(o)
        age = today_o - o
        m = maturity[age] if age < restatement_days else 1.0
        day_level = weekday[day.weekday()] * (today_fraction if age == 0 else 1.0)
        og = o * GOLDEN
        for cid, ckey, util, amp, omega, phase, c_start, ramp_rate, days in plan:
            seg = days[di]
            if seg is None:
                continue
            budget, ads = seg
            x = (ckey + og) & MASK64
            x = ((x ^ (x >> 30)) * MIX1) & MASK64
            x = ((x ^ (x >> 27)) * MIX2) & MASK64
            ramp = 0.35 + (o - c_start) * ramp_rate
            if ramp > 1.0:
                ramp = 1.0
            base = (
                budget
                * util
                * day_level
                * ramp
                * (1.0 + amp * sin(omega * o + phase))
                * (0.88 + 0.12 * ((x & 4095) + ((x >> 12) & 4095)) * INV12)
            )
            for ad_id, gid, share, akey, cpc, ctr, cvr, value_h in ads:
                x = (akey + og) & MASK64
                x = ((x ^ (x >> 30)) * MIX1) & MASK64
                x = ((x ^ (x >> 27)) * MIX2) & MASK64
                x ^= x >> 31
                cpc_d = cpc * (0.92 + 0.16 * INV12 * (x & 4095))
                exp_clicks = (
                    base * share * (0.8 + 0.2 * INV12 * (((x >> 12) & 4095) + ((x >> 24) & 4095))) / cpc_d
                )
                clicks = int(exp_clicks + INV12 * ((x >> 36) & 4095))
                impressions = int(exp_clicks / (ctr * (0.85 + 0.3 * INV12 * ((x >> 48) & 4095))) + 0.5)
                if impressions < clicks:
                    impressions = clicks
                if clicks:
                    y = ((x ^ (x >> 29)) * MIX1) & MASK64
                    y ^= y >> 32
                    conv_h = int(
                        clicks * cvr * (60.0 + 80.0 * INV12 * (y & 4095)) * m + INV12 * ((y >> 12) & 4095)
                    )
                    value = int(conv_h * value_h * (0.8 + 0.4 * INV12 * ((y >> 24) & 4095)))
                    append(
                        new(
                            account_id,
                            cid,
                            gid,
                            ad_id,
                            day,
                            currency,
                            impressions,
                            clicks,
                            int(clicks * cpc_d),
                            dec(conv_h),
                            value,
                        )
                    )
                else:
                    append(new(account_id, cid, gid, ad_id, day, currency, impressions, 0, 0, dec(0), 0))
                if len(rows) >= batch_size:
                    yield rows
                    rows = []
                    append = rows.append
    if rows:
        yield rows

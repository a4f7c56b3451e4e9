/** Shared fixtures of the dashboard, campaign detail and budgets page tests (shapes of the metrics service). */
import type { Campaign } from '../api/connectors';
import type {
  AlertFiring,
  AlertRule,
  Budget,
  CampaignDetail,
  Change,
  CurrencyTotals,
  Measures,
  Pacing,
  RankedCampaign,
  Series,
  Timeseries,
  TopCampaigns,
  Totals,
} from '../api/dashboards';
import { jsonResponse } from './http';

export const METRICS = '/api/metrics';

/** Sums and the KPIs derived from them, as the server computes them. */
export function measures(sums: Partial<Pick<Measures, 'impressions' | 'clicks' | 'spend_micros' | 'conversions' | 'conversion_value_micros'>> = {}): Measures {
  const { impressions = 0, clicks = 0, spend_micros = 0, conversions = 0, conversion_value_micros = 0 } = sums;
  const ratio = (a: number, b: number) => (b ? a / b : null);
  const micros = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    impressions,
    clicks,
    spend_micros,
    conversions,
    conversion_value_micros,
    ctr: ratio(clicks, impressions),
    cpc_micros: micros(ratio(spend_micros, clicks)),
    cpm_micros: micros(ratio(spend_micros * 1000, impressions)),
    cpa_micros: micros(ratio(spend_micros, conversions)),
    roas: ratio(conversion_value_micros, spend_micros),
    conversion_rate: ratio(conversions, clicks),
  };
}

function change(current: Measures, previous: Measures): Change {
  const out = {} as Change;
  for (const key of Object.keys(current) as (keyof Measures)[]) {
    const now = current[key];
    const before = previous[key];
    out[key] = now === null || !before ? null : (now - before) / before;
  }
  return out;
}

export function currencyTotals(currency: string, current: Measures, previous: Measures | null): CurrencyTotals {
  return {
    currency,
    current,
    provisional: false,
    previous,
    change: previous ? change(current, previous) : null,
  };
}

export function totals(from: string, to: string, groups: CurrencyTotals[]): Totals {
  return {
    from,
    to,
    previous_period: { from: '2026-10-01', to: '2026-10-30' },
    currencies: groups.map((g) => g.currency),
    note: '',
    totals: groups,
  };
}

/** One point per day from `from`, with `spendPerDay(i)` micros of spend and 10x that many impressions. */
export function series(currency: string, from: string, days: number, spendPerDay: (i: number) => number): Series {
  const start = new Date(`${from}T00:00:00Z`);
  const points = Array.from({ length: days }, (_, i) => {
    const day = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const spend = spendPerDay(i);
    return {
      start: day,
      end: day,
      provisional: false,
      ...measures({ spend_micros: spend, impressions: spend / 100, clicks: spend / 10_000, conversions: 1 }),
    };
  });
  return { currency, points };
}

export function timeseries(from: string, to: string, all: Series[]): Timeseries {
  return { from, to, bucket: 'day', currencies: all.map((s) => s.currency), note: '', series: all };
}

export function ranked(rank: number, campaignId: string, extra: Partial<RankedCampaign> = {}): RankedCampaign {
  return {
    rank,
    account_id: 'a1',
    campaign_id: campaignId,
    platform: 'sandbox',
    name: `Campaign ${campaignId}`,
    status: 'ENABLED',
    provisional: false,
    ...measures({ spend_micros: 50_000_000, clicks: 100, impressions: 5000, conversions: 4, conversion_value_micros: 150_000_000 }),
    ...extra,
  };
}

export function top(groups: TopCampaigns['groups']): TopCampaigns {
  return { from: '2026-10-31', to: '2026-11-29', by: 'spend', limit: 5, currencies: groups.map((g) => g.currency), note: '', groups };
}

export function campaign(id: string, extra: Partial<Campaign> = {}): CampaignDetail {
  return {
    id,
    account_id: 'a1',
    account_name: 'Acme DE',
    platform: 'sandbox',
    external_account_id: 'ext-a1',
    external_id: `ext-${id}`,
    name: `Campaign ${id}`,
    status: 'ENABLED',
    objective: 'SALES',
    daily_budget_micros: 20_000_000,
    currency: 'EUR',
    first_seen_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-20T00:00:00Z',
    ad_groups: [],
    ...extra,
  };
}

export function campaignPage(items: Campaign[]) {
  return jsonResponse({ items, total: items.length, limit: 200, offset: 0 });
}

export function budget(id: string, extra: Partial<Budget> = {}): Budget {
  return {
    id,
    account_id: 'a1',
    campaign_id: null,
    period: 'monthly',
    amount_micros: 500_000_000,
    currency: 'EUR',
    created_by: 'user-1',
    created_at: '2026-11-01T00:00:00Z',
    ...extra,
  };
}

export function pacing(budgetId: string, spendMicros: number, budgetMicros: number, elapsedPct: number): Pacing {
  return {
    budget_id: budgetId,
    period: 'monthly',
    period_key: '2026-11',
    period_start: '2026-11-01',
    period_end: '2026-11-30',
    currency: 'EUR',
    budget_micros: budgetMicros,
    spend_micros: spendMicros,
    expected_spend_micros: Math.round((budgetMicros * elapsedPct) / 100),
    spent_pct: ((spendMicros * 100) / budgetMicros).toFixed(2),
    elapsed_pct: elapsedPct.toFixed(2),
    projected_spend_micros: Math.round((spendMicros * 100) / elapsedPct),
  };
}

export function rule(id: string, extra: Partial<AlertRule> = {}): AlertRule {
  return {
    id,
    kind: 'spend_over_budget_pct',
    account_id: 'a1',
    campaign_id: null,
    period: 'monthly',
    threshold: '80.000000',
    budget_id: 'b1',
    enabled: true,
    created_by: 'user-1',
    created_at: '2026-11-02T00:00:00Z',
    ...extra,
  };
}

export function firing(id: string, extra: Partial<AlertFiring> = {}): AlertFiring {
  return {
    id,
    rule_id: 'r1',
    budget_id: 'b1',
    period_key: '2026-11',
    fired_at: '2026-11-25T09:00:00Z',
    values: { spend_micros: 410_000_000, budget_micros: 500_000_000, currency: 'EUR', threshold_pct: '80.000000' },
    ...extra,
  };
}

/** The KPIs the dashboard shows and how each is formatted (money via money.ts, in the group's currency). */
import type { Measures } from '../../api/dashboards';
import { formatMicros, MICROS_PER_UNIT } from '../../money';
import type { ChartMetric } from '../../stores/dashboard';

export type KpiKey = 'spend_micros' | 'impressions' | 'clicks' | 'conversions' | 'ctr' | 'cpc_micros' | 'cpa_micros' | 'roas';

export interface KpiDef {
  key: KpiKey;
  /** Short id for test ids and anchors ("spend" → data-testid="kpi-spend"). */
  id: string;
  label: string;
  /** Costs are better when they fall. */
  lowerIsBetter?: boolean;
}

export const KPIS: readonly KpiDef[] = [
  { key: 'spend_micros', id: 'spend', label: 'Spend' },
  { key: 'impressions', id: 'impressions', label: 'Impressions' },
  { key: 'clicks', id: 'clicks', label: 'Clicks' },
  { key: 'conversions', id: 'conversions', label: 'Conversions' },
  { key: 'ctr', id: 'ctr', label: 'CTR' },
  { key: 'cpc_micros', id: 'cpc', label: 'CPC', lowerIsBetter: true },
  { key: 'cpa_micros', id: 'cpa', label: 'CPA', lowerIsBetter: true },
  { key: 'roas', id: 'roas', label: 'ROAS' },
];

export const CHART_METRIC_LABELS: Record<ChartMetric, string> = {
  clicks: 'Clicks',
  impressions: 'Impressions',
  conversions: 'Conversions',
  ctr: 'CTR',
  cpc_micros: 'CPC',
  cpa_micros: 'CPA',
  roas: 'ROAS',
};

const integer = new Intl.NumberFormat([], { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat([], { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat([], { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** One measure as shown on a card or tooltip ("€1,234.50", "12,345", "3.21%", "4.2×"); "—" when undefined. */
export function formatMeasure(key: keyof Measures, value: number | null | undefined, currency: string): string {
  if (value === null || value === undefined) return '—';
  switch (key) {
    case 'spend_micros':
    case 'cpc_micros':
    case 'cpm_micros':
    case 'cpa_micros':
    case 'conversion_value_micros':
      return formatMicros(value, currency);
    case 'impressions':
    case 'clicks':
      return integer.format(value);
    case 'conversions':
      return decimal.format(value);
    case 'ctr':
    case 'conversion_rate':
      return percent.format(value);
    case 'roas':
      return `${decimal.format(value)}×`;
  }
}

/** The value a chart plots: money in major units, everything else as is. */
export function chartValue(key: keyof Measures, value: number | null): number | null {
  if (value === null) return null;
  return key.endsWith('_micros') ? value / MICROS_PER_UNIT : value;
}

const signed = new Intl.NumberFormat([], {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: 'exceptZero',
});

export type Trend = 'up' | 'down' | 'flat' | 'none';

/** "+12.5%" and whether the change is good news (a falling CPA is). */
export function describeChange(
  change: number | null | undefined,
  lowerIsBetter = false,
): { text: string; trend: Trend; good: boolean | null } {
  if (change === null || change === undefined) return { text: '—', trend: 'none', good: null };
  const trend: Trend = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  const good = trend === 'flat' ? null : (trend === 'up') !== lowerIsBetter;
  return { text: signed.format(change), trend, good };
}

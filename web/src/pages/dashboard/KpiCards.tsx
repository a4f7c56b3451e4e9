import { ArrowDownRight, ArrowUpRight, Minus } from 'lucide-react';
import type { CurrencyTotals } from '../../api/dashboards';
import { Badge } from '../../components/ui/badge';
import { Card } from '../../components/ui/card';
import { cn } from '../../components/ui/cn';
import { describeChange, formatMeasure, KPIS, type KpiDef } from './kpis';

const TREND_ICONS = { up: ArrowUpRight, down: ArrowDownRight, flat: Minus, none: Minus } as const;

function KpiCard({ kpi, totals }: { kpi: KpiDef; totals: CurrencyTotals }) {
  const value = formatMeasure(kpi.key, totals.current[kpi.key], totals.currency);
  const change = describeChange(totals.change?.[kpi.key], kpi.lowerIsBetter);
  const previous = totals.previous ? formatMeasure(kpi.key, totals.previous[kpi.key], totals.currency) : null;
  const Icon = TREND_ICONS[change.trend];
  const tone = change.good === null ? 'neutral' : change.good ? 'ok' : 'error';
  return (
    <Card className="flex flex-col gap-1 px-4 py-3" data-testid={`kpi-${kpi.id}`} role="group" aria-label={kpi.label}>
      <p className="m-0 text-xs font-medium tracking-wide text-muted uppercase">{kpi.label}</p>
      <p
        className="m-0 text-xl font-semibold wrap-anywhere text-fg tabular-nums sm:text-2xl"
        data-testid={`kpi-${kpi.id}-value`}
      >
        {value}
      </p>
      <div className="flex flex-wrap items-center gap-1.5 text-xs text-muted">
        <Badge
          tone={tone}
          data-testid={`kpi-${kpi.id}-change`}
          data-trend={change.trend}
          title={previous !== null ? `Previous period: ${previous}` : undefined}
        >
          <Icon className={cn('size-3', change.trend === 'none' && 'hidden')} aria-hidden="true" />
          {change.text}
        </Badge>
        <span>vs previous period</span>
      </div>
    </Card>
  );
}

/** Tremor-style KPI cards of one currency: value, change against the previous period, coloured good/bad. */
export function KpiCards({ totals }: { totals: CurrencyTotals }) {
  return (
    // Two columns still fit a 375 px phone (min(): never wider than the page).
    <div className="grid grid-cols-[repeat(auto-fill,minmax(min(100%,10rem),1fr))] gap-3" data-testid="kpi-cards">
      {KPIS.map((kpi) => (
        <KpiCard key={kpi.key} kpi={kpi} totals={totals} />
      ))}
    </div>
  );
}

import { useId, useState, type ReactNode } from 'react';
import { isApiError } from '../../api/client';
import { useTimeseries, useTotals, type KpiSelection, type Series, type Totals } from '../../api/dashboards';
import { ErrorBanner } from '../../components/ErrorBanner';
import { EmptyState, LoadingState } from '../../components/States';
import { Badge } from '../../components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../components/ui/card';
import { Select } from '../../components/ui/input';
import { Label } from '../../components/ui/label';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../components/ui/tabs';
import { CHART_METRICS, useDashboardStore, type ChartMetric } from '../../stores/dashboard';
import { dayRange } from './dates';
import { KpiCards } from './KpiCards';
import { CHART_METRIC_LABELS } from './kpis';
import { MetricsChart } from './MetricsChart';

function MetricPicker() {
  const id = useId();
  const metric = useDashboardStore((s) => s.metric);
  const setMetric = useDashboardStore((s) => s.setMetric);
  return (
    <div className="flex items-center gap-2">
      <Label htmlFor={id}>Chart metric</Label>
      <Select id={id} className="w-auto" value={metric} onChange={(e) => setMetric(e.target.value as ChartMetric)}>
        {CHART_METRICS.map((m) => (
          <option key={m} value={m}>
            {CHART_METRIC_LABELS[m]}
          </option>
        ))}
      </Select>
    </div>
  );
}

function CurrencyPanel({
  totals,
  series,
  currency,
  chartFailed,
}: {
  totals: Totals;
  series: Series | undefined;
  currency: string;
  chartFailed: boolean;
}) {
  const metric = useDashboardStore((s) => s.metric);
  const current = totals.totals.find((t) => t.currency === currency);
  return (
    <div className="flex flex-col gap-4">
      {current ? <KpiCards totals={current} /> : null}
      <Card>
        <CardHeader className="flex-row flex-wrap items-center justify-between gap-3">
          <div>
            <CardTitle>Spend and {CHART_METRIC_LABELS[metric]}</CardTitle>
            <CardDescription>
              Per day in {currency}
              {current?.provisional ? ' · recent days may still be restated by the platform' : ''}
            </CardDescription>
          </div>
          <MetricPicker />
        </CardHeader>
        <CardContent>
          {series ? (
            <MetricsChart series={series} metric={metric} />
          ) : chartFailed ? (
            <EmptyState>The chart is not available right now.</EmptyState>
          ) : (
            <LoadingState label="Loading the chart…" />
          )}
        </CardContent>
      </Card>
    </div>
  );
}

/**
 * KPI cards (with change against the previous period) and the time-series of `selection`, per currency
 * (amounts in different currencies are never added up). Refetched live: the keys sit under the metrics prefix.
 */
export function KpiSection({
  selection,
  emptyMessage,
}: {
  selection: KpiSelection;
  /** Shown when nothing was recorded in the range (or the server knows no metrics for the selected campaign). */
  emptyMessage: ReactNode;
}) {
  const totals = useTotals(selection);
  const timeseries = useTimeseries(selection, 'day');
  const [chosen, setChosen] = useState<string | null>(null);

  if (totals.isPending) return <LoadingState label="Loading KPIs…" />;
  if (totals.isError && !totals.data) {
    if (isApiError(totals.error) && totals.error.status === 404) return <EmptyState>{emptyMessage}</EmptyState>;
    return <ErrorBanner heading="Could not load the KPIs" error={totals.error} />;
  }
  const data = totals.data;
  const currencies = data.totals.map((t) => t.currency);
  const busy = totals.isFetching || timeseries.isFetching;
  const header = (
    <p className="m-0 flex flex-wrap items-center gap-2 text-sm text-muted" data-testid="kpi-period">
      {dayRange(data.from, data.to)}
      {data.previous_period ? <span>· compared with {dayRange(data.previous_period.from, data.previous_period.to)}</span> : null}
      {busy ? <Badge tone="neutral">Updating…</Badge> : null}
    </p>
  );
  if (currencies.length === 0)
    return (
      <div className="flex flex-col gap-3" data-testid="kpi-section">
        {header}
        <Card>
          <EmptyState>{emptyMessage}</EmptyState>
        </Card>
      </div>
    );

  const currency = chosen !== null && currencies.includes(chosen) ? chosen : currencies[0]!;
  const seriesOf = (c: string) => timeseries.data?.series.find((s) => s.currency === c);
  return (
    <div className="flex flex-col gap-3" data-testid="kpi-section" aria-busy={busy || undefined}>
      {header}
      {totals.isError ? <ErrorBanner heading="Could not refresh the KPIs" error={totals.error} /> : null}
      {timeseries.isError ? <ErrorBanner heading="Could not load the chart" error={timeseries.error} /> : null}
      {currencies.length === 1 ? (
        <CurrencyPanel totals={data} series={seriesOf(currency)} currency={currency} chartFailed={timeseries.isError} />
      ) : (
        <Tabs value={currency} onValueChange={setChosen}>
          <TabsList aria-label="Currency">
            {currencies.map((c) => (
              <TabsTrigger key={c} value={c}>
                {c}
              </TabsTrigger>
            ))}
          </TabsList>
          {currencies.map((c) => (
            <TabsContent key={c} value={c}>
              <CurrencyPanel totals={data} series={seriesOf(c)} currency={c} chartFailed={timeseries.isError} />
            </TabsContent>
          ))}
        </Tabs>
      )}
    </div>
  );
}

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Series } from '../../api/dashboards';
import { formatMicros, MICROS_PER_UNIT } from '../../money';
import type { ChartMetric } from '../../stores/dashboard';
import { longDay, shortDay } from './dates';
import { chartValue, CHART_METRIC_LABELS, formatMeasure } from './kpis';

const SPEND_COLOUR = '#4f46e5';
const METRIC_COLOUR = '#0d9488';
const HEIGHT = 280;
/** ResponsiveContainer measures its parent with ResizeObserver; before that (and in jsdom) it uses this size. */
const INITIAL_SIZE = { width: 720, height: HEIGHT };

interface Row {
  day: string;
  spend: number;
  metric: number | null;
}

/** Spend (left axis) and one chosen measure (right axis) per bucket of one currency's series. */
export function MetricsChart({ series, metric }: { series: Series; metric: ChartMetric }) {
  const rows: Row[] = series.points.map((p) => ({
    day: p.start,
    spend: p.spend_micros / MICROS_PER_UNIT,
    metric: chartValue(metric, p[metric]),
  }));
  const metricLabel = CHART_METRIC_LABELS[metric];
  const formatMetric = (value: number) =>
    formatMeasure(metric, metric.endsWith('_micros') ? value * MICROS_PER_UNIT : value, series.currency);
  return (
    <figure className="m-0" data-testid="kpi-chart" data-currency={series.currency} data-points={rows.length}>
      <figcaption className="sr-only">
        Spend and {metricLabel} per day in {series.currency}
      </figcaption>
      <ResponsiveContainer width="100%" height={HEIGHT} initialDimension={INITIAL_SIZE}>
        <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" vertical={false} />
          <XAxis dataKey="day" tickFormatter={shortDay} tick={{ fontSize: 12 }} minTickGap={24} />
          <YAxis
            yAxisId="spend"
            tickFormatter={(v: number) => formatMicros(Math.round(v * MICROS_PER_UNIT), series.currency)}
            tick={{ fontSize: 12 }}
            width={84}
          />
          <YAxis yAxisId="metric" orientation="right" tickFormatter={formatMetric} tick={{ fontSize: 12 }} width={72} />
          <Tooltip
            labelFormatter={(day) => longDay(String(day))}
            formatter={(value, name) =>
              name === 'Spend'
                ? formatMicros(Math.round(Number(value) * MICROS_PER_UNIT), series.currency)
                : formatMetric(Number(value))
            }
          />
          <Legend />
          <Line
            yAxisId="spend"
            type="monotone"
            dataKey="spend"
            name="Spend"
            stroke={SPEND_COLOUR}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            yAxisId="metric"
            type="monotone"
            dataKey="metric"
            name={metricLabel}
            stroke={METRIC_COLOUR}
            strokeWidth={2}
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/**
 * UI state of the dashboard and campaign detail screens: the chosen date range and chart metric. Kept for the
 * browser session (sessionStorage): a reload or a trip to another page keeps the choice, a new tab starts fresh.
 */
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

export const RANGES = [7, 30, 90] as const;
export type RangeDays = (typeof RANGES)[number];

/** Measures the time-series can draw next to spend. */
export const CHART_METRICS = ['clicks', 'impressions', 'conversions', 'ctr', 'cpc_micros', 'cpa_micros', 'roas'] as const;
export type ChartMetric = (typeof CHART_METRICS)[number];

interface DashboardState {
  rangeDays: RangeDays;
  metric: ChartMetric;
  setRangeDays: (days: RangeDays) => void;
  setMetric: (metric: ChartMetric) => void;
}

export const DASHBOARD_DEFAULTS = { rangeDays: 30, metric: 'clicks' } as const satisfies Pick<
  DashboardState,
  'rangeDays' | 'metric'
>;

export const useDashboardStore = create<DashboardState>()(
  persist(
    (set) => ({
      ...DASHBOARD_DEFAULTS,
      setRangeDays: (rangeDays) => set({ rangeDays }),
      setMetric: (metric) => set({ metric }),
    }),
    {
      name: 'adpilot.dashboard',
      storage: createJSONStorage(() => sessionStorage),
      partialize: ({ rangeDays, metric }) => ({ rangeDays, metric }),
      // A stored value from an older build that is no longer offered falls back to the default.
      merge: (stored, current) => {
        const s = (stored ?? {}) as Partial<DashboardState>;
        return {
          ...current,
          rangeDays: RANGES.includes(s.rangeDays as RangeDays) ? (s.rangeDays as RangeDays) : current.rangeDays,
          metric: CHART_METRICS.includes(s.metric as ChartMetric) ? (s.metric as ChartMetric) : current.metric,
        };
      },
    },
  ),
);

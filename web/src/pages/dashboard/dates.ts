import { format, parseISO, subDays } from 'date-fns';
import type { KpiSelection } from '../../api/dashboards';

/** The last `days` days up to and including today (local calendar), as the KPI API takes them. */
export function lastDays(days: number, now: Date = new Date()): Pick<KpiSelection, 'from' | 'to'> {
  return { from: format(subDays(now, days - 1), 'yyyy-MM-dd'), to: format(now, 'yyyy-MM-dd') };
}

/** "Nov 18" for an axis tick. */
export const shortDay = (day: string) => format(parseISO(day), 'MMM d');

/** "Nov 18, 2026". */
export const longDay = (day: string) => format(parseISO(day), 'MMM d, yyyy');

/** "Nov 18 – Nov 24, 2026". */
export function dayRange(from: string, to: string): string {
  return `${shortDay(from)} – ${longDay(to)}`;
}

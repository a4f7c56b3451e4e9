import { describe, expect, it } from 'vitest';
import { formatMicros } from '../../money';
import { chartValue, describeChange, formatMeasure } from './kpis';
import { lastDays } from './dates';

describe('KPI formatting', () => {
  it('formats money in the group currency, counts, ratios and ROAS', () => {
    expect(formatMeasure('spend_micros', 1_234_500_000, 'EUR')).toBe(formatMicros(1_234_500_000, 'EUR'));
    expect(formatMeasure('cpa_micros', null, 'EUR')).toBe('—');
    expect(formatMeasure('ctr', 0.0321, 'EUR')).toBe('3.21%');
    expect(formatMeasure('roas', 4.256, 'EUR')).toBe('4.26×');
    expect(chartValue('cpc_micros', 1_500_000)).toBe(1.5);
    expect(chartValue('clicks', 12)).toBe(12);
  });

  it('colours a change by whether it is good news', () => {
    expect(describeChange(0.25)).toEqual({ text: '+25.0%', trend: 'up', good: true });
    expect(describeChange(0.25, true)).toMatchObject({ trend: 'up', good: false });
    expect(describeChange(-0.375, true)).toMatchObject({ trend: 'down', good: true });
    expect(describeChange(0)).toMatchObject({ trend: 'flat', good: null });
    expect(describeChange(null)).toEqual({ text: '—', trend: 'none', good: null });
  });

  it('counts the range back from today, inclusive', () => {
    expect(lastDays(7, new Date(2026, 10, 25, 23, 30))).toEqual({ from: '2026-11-19', to: '2026-11-25' });
    expect(lastDays(30, new Date(2026, 2, 1))).toEqual({ from: '2026-01-31', to: '2026-03-01' });
  });
});

import { describe, expect, it } from 'vitest';
import { currencyDigits, formatMicros, microsToInput, parseMajorToMicros } from './money';

describe('money', () => {
  it('formats micros in the account currency', () => {
    expect(formatMicros(120_500_000, 'EUR')).toBe('€120.50');
    expect(formatMicros(1_234_000_000, 'USD')).toBe('$1,234.00');
    expect(formatMicros(2_500_000_000, 'JPY')).toBe('¥2,500');
    expect(formatMicros(1_500_000, null)).toBe('1.50');
    expect(formatMicros(null, 'EUR')).toBe('—');
  });

  it('parses major units into exact micros, refusing more decimals than the currency has', () => {
    expect(parseMajorToMicros('19.99', 'EUR')).toBe(19_990_000);
    expect(parseMajorToMicros(' 20 ', 'EUR')).toBe(20_000_000);
    expect(parseMajorToMicros('12,5', 'EUR')).toBe(12_500_000); // decimal comma
    expect(parseMajorToMicros('0.07', 'USD')).toBe(70_000);
    expect(parseMajorToMicros('1234567.89', 'USD')).toBe(1_234_567_890_000);
    expect(parseMajorToMicros('12.345', 'EUR')).toBeNull();
    expect(parseMajorToMicros('1,234.50', 'EUR')).toBeNull(); // no grouping separators: ambiguous
    expect(parseMajorToMicros('2500.5', 'JPY')).toBeNull();
    expect(parseMajorToMicros('2500', 'JPY')).toBe(2_500_000_000);
    expect(parseMajorToMicros('-5', 'EUR')).toBeNull();
    expect(parseMajorToMicros('abc', 'EUR')).toBeNull();
    expect(parseMajorToMicros('', 'EUR')).toBeNull();
  });

  it('round-trips micros through the input text', () => {
    expect(microsToInput(19_990_000)).toBe('19.99');
    expect(microsToInput(20_000_000)).toBe('20');
    expect(microsToInput(70_000)).toBe('0.07');
    expect(microsToInput(null)).toBe('');
    for (const micros of [10_000, 19_990_000, 123_450_000]) {
      expect(parseMajorToMicros(microsToInput(micros), 'EUR')).toBe(micros);
    }
  });

  it('knows the minor-unit digits', () => {
    expect(currencyDigits('EUR')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits(undefined)).toBe(2);
  });
});

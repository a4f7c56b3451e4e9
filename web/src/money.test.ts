import { describe, expect, it } from 'vitest';
import { amountExample, currencyDigits, formatMicros, microsToInput, parseMajorToMicros } from './money';

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
    expect(parseMajorToMicros('2500.5', 'JPY')).toBeNull();
    expect(parseMajorToMicros('2500', 'JPY')).toBe(2_500_000_000);
    expect(parseMajorToMicros('-5', 'EUR')).toBeNull();
    expect(parseMajorToMicros('abc', 'EUR')).toBeNull();
    expect(parseMajorToMicros('', 'EUR')).toBeNull();
  });

  it("accepts the thousands separators of the user's locale", () => {
    // en (the tests' default locale): "," groups, "." is the decimal separator.
    expect(parseMajorToMicros('1,000.50', 'EUR')).toBe(1_000_500_000);
    expect(parseMajorToMicros('1,000', 'EUR')).toBe(1_000_000_000);
    expect(parseMajorToMicros('1,234,567.89', 'USD')).toBe(1_234_567_890_000);
    expect(parseMajorToMicros('2,500', 'JPY')).toBe(2_500_000_000);
    expect(parseMajorToMicros('12,5', 'EUR')).toBe(12_500_000); // not a group of three: still a decimal comma
    expect(parseMajorToMicros('1,00,000', 'EUR')).toBeNull(); // groups of three only
    expect(parseMajorToMicros('1,000,50', 'EUR')).toBeNull(); // the group separator is not also the decimal one
    expect(parseMajorToMicros('1.000,50', 'EUR')).toBeNull(); // German grouping is not read in en
    // de: "." groups, "," is the decimal separator; "19.99" is still 19.99.
    expect(parseMajorToMicros('1.000,50', 'EUR', 'de')).toBe(1_000_500_000);
    expect(parseMajorToMicros('19.99', 'EUR', 'de')).toBe(19_990_000);
    expect(parseMajorToMicros('1,234', 'EUR', 'de')).toBeNull(); // 1.234: too many decimals, not 1234
    // fr groups with a narrow no-break space; people type a plain one.
    expect(parseMajorToMicros('1\u202f000,50', 'EUR', 'fr')).toBe(1_000_500_000);
    expect(parseMajorToMicros('1 000,50', 'EUR', 'fr')).toBe(1_000_500_000);
    expect(parseMajorToMicros("1'000.50", 'CHF', 'de-CH')).toBe(1_000_500_000);
  });

  it('shows how to type an amount in the locale', () => {
    expect(amountExample('EUR')).toBe('1,000.50');
    expect(amountExample('EUR', 'de')).toBe('1.000,50');
    expect(amountExample('JPY')).toBe('2,500');
  });

  it('round-trips micros through the input text', () => {
    expect(microsToInput(19_990_000)).toBe('19.99');
    expect(microsToInput(20_000_000)).toBe('20');
    expect(microsToInput(70_000)).toBe('0.07');
    expect(microsToInput(null)).toBe('');
    expect(microsToInput(19_990_000, 'de')).toBe('19,99');
    for (const micros of [10_000, 19_990_000, 123_450_000, 1_000_500_000]) {
      expect(parseMajorToMicros(microsToInput(micros), 'EUR')).toBe(micros);
      expect(parseMajorToMicros(microsToInput(micros, 'de'), 'EUR', 'de')).toBe(micros);
    }
    // A 3-decimal currency in a locale grouping with ".": the input's decimal comma keeps 1.234 KWD as it is.
    expect(parseMajorToMicros(microsToInput(1_234_000, 'de'), 'KWD', 'de')).toBe(1_234_000);
  });

  it('knows the minor-unit digits', () => {
    expect(currencyDigits('EUR')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits(undefined)).toBe(2);
  });
});

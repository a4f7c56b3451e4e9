/**
 * Money as the ad platforms carry it: integer micros of the account currency (1.50 EUR = 1_500_000).
 * Shown with Intl.NumberFormat in that currency; typed in major units and converted without floating point
 * (so "19.99" is exactly 19_990_000, never 19_989_999).
 */

export const MICROS_PER_UNIT = 1_000_000;

function isCurrencyCode(currency: string | null | undefined): currency is string {
  return typeof currency === 'string' && /^[A-Z]{3}$/.test(currency);
}

/** Decimal places of the currency's minor unit (2 for EUR, 0 for JPY); 2 when unknown. */
export function currencyDigits(currency: string | null | undefined): number {
  if (!isCurrencyCode(currency)) return 2;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "€1,234.50" for (1_234_500_000, "EUR"); a plain number when the currency is unknown; "—" for null. */
export function formatMicros(micros: number | null | undefined, currency: string | null | undefined): string {
  if (micros === null || micros === undefined) return '—';
  const amount = micros / MICROS_PER_UNIT;
  if (isCurrencyCode(currency)) {
    try {
      return new Intl.NumberFormat([], { style: 'currency', currency }).format(amount);
    } catch {
      // An ISO-shaped code the runtime does not know: fall through to a plain number plus the code.
    }
  }
  const plain = new Intl.NumberFormat([], { minimumFractionDigits: 2, maximumFractionDigits: 6 }).format(amount);
  return currency ? `${plain} ${currency}` : plain;
}

/** Micros as a major-unit string for an input's initial value: 19_990_000 → "19.99", 20_000_000 → "20". */
export function microsToInput(micros: number | null | undefined): string {
  if (micros === null || micros === undefined) return '';
  const whole = Math.trunc(micros / MICROS_PER_UNIT);
  const fraction = String(Math.abs(micros % MICROS_PER_UNIT)).padStart(6, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/**
 * Parse a non-negative amount typed in major units ("1234.5", "12,5", " 20 ") into micros, allowing at most
 * the currency's minor-unit digits. Either "." or "," is the decimal separator (no grouping separators, so
 * "1,234" is never silently read as 1234 or 1.234). Returns null for anything else.
 */
export function parseMajorToMicros(text: string, currency: string | null | undefined): number | null {
  const cleaned = text.trim().replace(',', '.');
  const digits = currencyDigits(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > digits) return null;
  const micros = Number(whole) * MICROS_PER_UNIT + Number(fraction.padEnd(6, '0') || '0');
  return Number.isSafeInteger(micros) ? micros : null;
}

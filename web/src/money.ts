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

/** A locale's decimal and grouping separators: "." and "," in en, "," and "." in de; the browser's by default. */
export function numberSeparators(locale?: string): { decimal: string; group: string } {
  const parts = new Intl.NumberFormat(locale ?? [], { useGrouping: true }).formatToParts(12345.6);
  return {
    decimal: parts.find((part) => part.type === 'decimal')?.value ?? '.',
    group: parts.find((part) => part.type === 'group')?.value ?? ',',
  };
}

/** How to type an amount, in the user's locale: "1,000.50" (en), "1.000,50" (de), "2,500" for JPY. */
export function amountExample(currency: string | null | undefined, locale?: string): string {
  const digits = currencyDigits(currency);
  return new Intl.NumberFormat(locale ?? [], { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(
    digits > 0 ? 1000.5 : 2500,
  );
}

/**
 * Micros as a major-unit string for an input's initial value, with the locale's decimal separator and no
 * grouping: 19_990_000 → "19.99" (en) or "19,99" (de), 20_000_000 → "20".
 */
export function microsToInput(micros: number | null | undefined, locale?: string): string {
  if (micros === null || micros === undefined) return '';
  const whole = Math.trunc(micros / MICROS_PER_UNIT);
  const fraction = String(Math.abs(micros % MICROS_PER_UNIT)).padStart(6, '0').replace(/0+$/, '');
  return fraction ? `${whole}${numberSeparators(locale).decimal}${fraction}` : String(whole);
}

/** The locale's grouping separator as a pattern: spaces of any kind when it is one (fr: U+202F), ’ or '. */
function groupPattern(group: string): string {
  if (/\s/.test(group)) return '\\s';
  if (group === '’' || group === "'") return "['’]";
  return group.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The amount without the locale's thousands separators ("1,000.50" in en, "1.000,50" in de, "1 000,50" in fr):
 * only groups of exactly three digits, then at most a decimal part with the other separator. Anything else is
 * returned as typed, so "12,5" and "19.99" stay decimals everywhere.
 */
function withoutGrouping(text: string, locale?: string): string {
  const { group } = numberSeparators(locale);
  const separator = groupPattern(group);
  const decimal = ['.', ','].filter((mark) => mark !== group).join('');
  const grouped = new RegExp(`^(\\d{1,3}(?:${separator}\\d{3})+)([${decimal}]\\d*)?$`).exec(text);
  if (!grouped) return text;
  const [, whole = '', fraction = ''] = grouped;
  return whole.replace(new RegExp(separator, 'g'), '') + fraction;
}

/**
 * Parse a non-negative amount typed in major units ("1234.5", "12,5", " 20 ", "1,000.50") into micros, allowing
 * at most the currency's minor-unit digits. Either "." or "," is the decimal separator; thousands separators
 * are those of the user's locale (`locale`, the browser's by default), so "1,234" is 1234 in en and refused
 * for a 2-decimal currency in de rather than guessed. Returns null for anything else.
 */
export function parseMajorToMicros(text: string, currency: string | null | undefined, locale?: string): number | null {
  const cleaned = withoutGrouping(text.trim(), locale).replace(',', '.');
  const digits = currencyDigits(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > digits) return null;
  const micros = Number(whole) * MICROS_PER_UNIT + Number(fraction.padEnd(6, '0') || '0');
  return Number.isSafeInteger(micros) ? micros : null;
}
